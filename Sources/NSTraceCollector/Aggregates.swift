/// A step of a start: the stage that wrote it and its name (`stage-1` / `ns_join`).
public struct StepKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var stage: Stage
    public var step: String

    public init(stage: Stage, step: String) {
        self.stage = stage
        self.step = step
    }

    public var description: String { "\(stage.name) \(step)" }

    public static func < (lhs: StepKey, rhs: StepKey) -> Bool {
        (lhs.stage.rawValue, lhs.step) < (rhs.stage.rawValue, rhs.step)
    }
}

/// Durations of one step over every start (from its `end` lines).
public struct StepStatistics: Sendable, Equatable {
    /// `end` lines seen.
    public internal(set) var count: UInt64 = 0
    /// Of those, `outcome: error`.
    public internal(set) var errors: UInt64 = 0
    /// count, sum, min, max and quantiles of `dur_ns`.
    public internal(set) var latency = LatencyHistogram()

    public var sumNanoseconds: UInt64 { latency.sumNanoseconds }
    public var minNanoseconds: UInt64 { latency.minNanoseconds }
    public var maxNanoseconds: UInt64 { latency.maxNanoseconds }

    public init() {}

    public mutating func merge(_ other: StepStatistics) {
        count += other.count
        errors += other.errors
        latency.merge(other.latency)
    }
}

/// Failed starts are grouped by the step that failed and its errno name.
public struct FailureKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var step: StepKey
    /// `errno_name` (e.g. `ENOENT`); empty when the line had none.
    public var errnoName: String

    public init(step: StepKey, errnoName: String) {
        self.step = step
        self.errnoName = errnoName
    }

    public var description: String { errnoName.isEmpty ? step.description : "\(step) \(errnoName)" }

    public static func < (lhs: FailureKey, rhs: FailureKey) -> Bool {
        (lhs.step, lhs.errnoName) < (rhs.step, rhs.errnoName)
    }
}

/// The failed starts of one `FailureKey`, with the first one as an example.
public struct FailureGroup: Sendable, Equatable {
    public internal(set) var count: UInt64 = 0
    /// The `error` text of the first failure seen.
    public internal(set) var exampleMessage: String = ""
    public internal(set) var exampleErrno: Int32 = -1
    public internal(set) var exampleTraceID: TraceID
}

/// Incomplete starts, grouped by the step they were in (`IncompleteGroup` per `StepKey`).
public struct IncompleteGroup: Sendable, Equatable {
    public internal(set) var count: UInt64 = 0
    public internal(set) var exampleTraceID: TraceID
}

/// A line of an input file, for reports (`trace.jsonl:12`).
public struct LineLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: UInt64
    public var description: String { "\(file):\(line)" }
}

/// Why a line was not used.
public enum RejectReason: String, Sendable, CaseIterable, Comparable {
    case blank
    case invalidJSON = "invalid_json"
    case truncated
    case tooLong = "too_long"
    case notObject = "not_object"
    /// runc's own `{"level","msg"}` log lines: expected in runc logs, skipped.
    case runcLog = "runc_log"
    case unknownVersion = "unknown_version"
    case missingField = "missing_field"
    case invalidField = "invalid_field"
    /// A line of a start that was already finalized (evicted, idle, or completed).
    case late

    /// Words for the text report.
    public var explanation: String {
        switch self {
        case .blank: "blank lines"
        case .invalidJSON: "not JSON"
        case .truncated: "truncated last lines"
        case .tooLong: "lines over 16 MiB"
        case .notObject: "JSON but not an object"
        case .runcLog: "runc log lines (no \"v\")"
        case .unknownVersion: "unknown schema version"
        case .missingField: "missing a required field"
        case .invalidField: "a field of the wrong type or value"
        case .late: "lines after their start was finalized"
        }
    }

    public static func < (lhs: RejectReason, rhs: RejectReason) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Rejected lines of one reason: the count and the first few places.
public struct RejectedLines: Sendable, Equatable {
    public static let exampleLimit = 3
    public internal(set) var count: UInt64 = 0
    /// The first `exampleLimit` places, each with a detail (`missing "trace_id"`, `v=2`).
    public internal(set) var examples: [(location: LineLocation, detail: String)] = []

    public static func == (lhs: RejectedLines, rhs: RejectedLines) -> Bool {
        lhs.count == rhs.count && lhs.examples.map(\.location) == rhs.examples.map(\.location)
            && lhs.examples.map(\.detail) == rhs.examples.map(\.detail)
    }
}

/// One of the slowest finished starts.
public struct SlowStart: Sendable, Equatable {
    public var traceID: TraceID
    public var latencyNanoseconds: UInt64
    public var outcome: StartOutcome
    /// For a failed start, the failing step.
    public var failure: FailureKey?
}

/// Everything the collector has aggregated so far. A value: take one whenever you like
/// (`Collector.aggregates`); counters in later snapshots are never smaller.
public struct Aggregates: Sendable {
    /// Lines read (all of them, rejected ones included) and bytes of those lines.
    public internal(set) var lines: UInt64 = 0
    public internal(set) var bytes: UInt64 = 0
    /// Lines accepted as trace events.
    public internal(set) var events: UInt64 = 0
    /// Finalized starts by outcome (every outcome present, 0 when none).
    public internal(set) var starts: [StartOutcome: UInt64] = [.ok: 0, .failed: 0, .incomplete: 0]
    /// Whole-start latency by outcome: the root `start` span when present, else first to last event.
    public internal(set) var startLatency: [StartOutcome: LatencyHistogram] = [
        .ok: LatencyHistogram(), .failed: LatencyHistogram(), .incomplete: LatencyHistogram(),
    ]
    /// Per step (stage + step), from `end` lines.
    public internal(set) var steps: [StepKey: StepStatistics] = [:]
    /// Failed starts by failing step and errno name.
    public internal(set) var failures: [FailureKey: FailureGroup] = [:]
    /// Incomplete starts by the step they were in.
    public internal(set) var incomplete: [StepKey: IncompleteGroup] = [:]
    /// Rejected lines by reason.
    public internal(set) var rejected: [RejectReason: RejectedLines] = [:]
    /// Events the constructor reported lost (`lost`: max per process, summed per start).
    public internal(set) var lostEvents: UInt64 = 0
    /// Incomplete starts that were finalized early because the open-start table was full.
    public internal(set) var evictedStarts: UInt64 = 0
    /// The slowest finished (ok or failed) starts, slowest first.
    public internal(set) var slowest: [SlowStart] = []
    /// The failed start finalized last (what `nstrace timeline --failed` shows).
    public internal(set) var lastFailedTraceID: TraceID?
    /// Starts seen but not finalized yet (they are in none of the counts above).
    public internal(set) var openStarts: Int = 0

    public init() {}

    /// Finalized starts of every outcome.
    public var totalStarts: UInt64 { starts.values.reduce(0, +) }

    /// All finished (ok and failed) starts' latencies together.
    public var finishedStartLatency: LatencyHistogram {
        var merged = startLatency[.ok] ?? LatencyHistogram()
        merged.merge(startLatency[.failed] ?? LatencyHistogram())
        return merged
    }

    /// Rejected lines of every reason.
    public var rejectedLines: UInt64 { rejected.values.reduce(0) { $0 + $1.count } }
}
