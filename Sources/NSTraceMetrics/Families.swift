/// nstrace's metric families, built from a plain snapshot of the collector's aggregates.
///
/// | family | type | labels |
/// |---|---|---|
/// | `nstrace_starts_total` | counter | `result` = ok, failed, incomplete |
/// | `nstrace_start_duration_seconds` | histogram | `result` = ok, failed |
/// | `nstrace_open_starts` | gauge | — |
/// | `nstrace_step_duration_seconds` | histogram | `stage`, `step` |
/// | `nstrace_step_failures_total` | counter | `stage`, `step`, `errno_name` |
/// | `nstrace_incomplete_starts_total` | counter | `last_stage`, `last_step` |
/// | `nstrace_trace_lines_rejected_total` | counter | `reason` |
/// | `nstrace_trace_events_lost_total` | counter | — |
/// | `nstrace_build_info` | gauge (OpenMetrics: info) | `version` |
///
/// No label carries a per-start value (trace id, pid, path): cardinality is bounded by the
/// step table, errno names and rejection reasons.
public enum MetricNames {
    public static let starts = "nstrace_starts"
    public static let startDuration = "nstrace_start_duration_seconds"
    public static let stepDuration = "nstrace_step_duration_seconds"
    public static let stepFailures = "nstrace_step_failures"
    public static let incompleteStarts = "nstrace_incomplete_starts"
    public static let linesRejected = "nstrace_trace_lines_rejected"
    public static let eventsLost = "nstrace_trace_events_lost"
    public static let build = "nstrace_build"
    public static let openStarts = "nstrace_open_starts"
}

/// The bucket upper bounds of every duration histogram, 1 µs to 60 s in 1–2.5–5 steps.
/// Each bound lies on the collector's 3-significant-digit grid, so its cumulative count is
/// exact; `le` strings are canonical (Go `%g`, `.0` appended for integers).
public enum DurationBuckets {
    public static let bounds: [BucketBound] = [
        (1_000, "1e-06"), (2_500, "2.5e-06"), (5_000, "5e-06"),
        (10_000, "1e-05"), (25_000, "2.5e-05"), (50_000, "5e-05"),
        (100_000, "0.0001"), (250_000, "0.00025"), (500_000, "0.0005"),
        (1_000_000, "0.001"), (2_500_000, "0.0025"), (5_000_000, "0.005"),
        (10_000_000, "0.01"), (25_000_000, "0.025"), (50_000_000, "0.05"),
        (100_000_000, "0.1"), (250_000_000, "0.25"), (500_000_000, "0.5"),
        (1_000_000_000, "1.0"), (2_500_000_000, "2.5"), (5_000_000_000, "5.0"),
        (10_000_000_000, "10.0"), (30_000_000_000, "30.0"), (60_000_000_000, "60.0"),
    ].map { BucketBound(nanoseconds: $0.0, le: $0.1) }

    public static var nanoseconds: [UInt64] { bounds.map(\.nanoseconds) }
}

/// What the exposition shows, independent of how the collector stores it.
public struct MetricsSnapshot: Sendable, Equatable {
    public struct StepKey: Sendable, Hashable, Comparable {
        public var stage: String
        public var step: String
        public init(stage: String, step: String) {
            self.stage = stage
            self.step = step
        }
        public static func < (a: StepKey, b: StepKey) -> Bool { (a.stage, a.step) < (b.stage, b.step) }
    }

    public struct FailureKey: Sendable, Hashable, Comparable {
        public var stage: String
        public var step: String
        public var errnoName: String
        public init(stage: String, step: String, errnoName: String) {
            self.stage = stage
            self.step = step
            self.errnoName = errnoName
        }
        public static func < (a: FailureKey, b: FailureKey) -> Bool {
            (a.stage, a.step, a.errnoName) < (b.stage, b.step, b.errnoName)
        }
    }

    public var startsOK: UInt64 = 0
    public var startsFailed: UInt64 = 0
    public var startsIncomplete: UInt64 = 0
    /// Whole-start durations by result (`ok`, `failed`).
    public var startDurations: [String: HistogramValue] = [:]
    public var openStarts: UInt64 = 0
    public var stepDurations: [StepKey: HistogramValue] = [:]
    public var failures: [FailureKey: UInt64] = [:]
    public var incompleteByLastStep: [StepKey: UInt64] = [:]
    public var rejectedLines: [String: UInt64] = [:]
    public var eventsLost: UInt64 = 0
    public var version: String

    public init(version: String) { self.version = version }

    public func families() -> [MetricFamily] {
        let buckets = DurationBuckets.bounds
        return [
            MetricFamily(
                name: MetricNames.starts, kind: .counter,
                help: "Traced container starts, by result (incomplete: the trace stopped before the start ended).",
                series: [("failed", startsFailed), ("incomplete", startsIncomplete), ("ok", startsOK)].map {
                    Series(labels: [("result", $0.0)], value: .integer($0.1))
                }),
            MetricFamily(
                name: MetricNames.startDuration, kind: .histogram,
                help: "Duration of whole finished container starts (the parent's start span), by result, in seconds.",
                unit: "seconds", buckets: buckets,
                series: startDurations.sorted { $0.key < $1.key }.map {
                    Series(labels: [("result", $0.key)], value: .histogram($0.value))
                }),
            MetricFamily(
                name: MetricNames.openStarts, kind: .gauge,
                help: "Starts seen whose trace is still open (not yet counted in nstrace_starts_total).",
                series: [Series(value: .integer(openStarts))]),
            MetricFamily(
                name: MetricNames.stepDuration, kind: .histogram,
                help: "Duration of each traced step of a container start, by stage and step, in seconds.",
                unit: "seconds", buckets: buckets,
                series: stepDurations.sorted { $0.key < $1.key }.map {
                    Series(labels: [("stage", $0.key.stage), ("step", $0.key.step)], value: .histogram($0.value))
                }),
            MetricFamily(
                name: MetricNames.stepFailures, kind: .counter,
                help: "Steps that failed, by stage, step and errno name.",
                series: failures.sorted { $0.key < $1.key }.map {
                    Series(labels: [("stage", $0.key.stage), ("step", $0.key.step), ("errno_name", $0.key.errnoName)],
                           value: .integer($0.value))
                }),
            MetricFamily(
                name: MetricNames.incompleteStarts, kind: .counter,
                help: "Starts whose trace ended without an end of the start, by the last step seen.",
                series: incompleteByLastStep.sorted { $0.key < $1.key }.map {
                    Series(labels: [("last_stage", $0.key.stage), ("last_step", $0.key.step)], value: .integer($0.value))
                }),
            MetricFamily(
                name: MetricNames.linesRejected, kind: .counter,
                help: "Trace lines the collector could not use, by reason.",
                series: rejectedLines.sorted { $0.key < $1.key }.map {
                    Series(labels: [("reason", $0.key)], value: .integer($0.value))
                }),
            MetricFamily(
                name: MetricNames.eventsLost, kind: .counter,
                help: "Trace events the constructor reported it could not write (full or reader-less log pipe).",
                series: [Series(value: .integer(eventsLost))]),
            MetricFamily(
                name: MetricNames.build, kind: .info,
                help: "nstrace build information.",
                series: [Series(labels: [("version", version)], value: .integer(1))]),
        ]
    }

    public func render(_ format: ExpositionFormat) -> [UInt8] {
        Exposition.render(families(), format: format)
    }
}
