import CSimdJSONShim
import NSTraceCore

// MARK: - API note (for `nstrace serve`, the metrics, and other long-running consumers)
//
//     let collector = Collector()                        // Collector.Configuration for caps
//     try collector.read(path: "trace.jsonl")            // a whole file ("-": stdin), mmap'd
//
//     let source = collector.openSource(named: "trace.jsonl")   // or follow a file yourself:
//     collector.ingest(bytes, from: source)              // appended bytes; may end mid-line
//     collector.finalizeIdleStarts(idleLongerThan: 30_000_000_000)   // ns without new lines
//     collector.endOfInput(from: source)                 // parse an unterminated last line
//     collector.finish()                                 // end of all input: finalize every open start
//
//     let snapshot: Aggregates = collector.aggregates    // a value, any time; counters never decrease
//     snapshot.starts[.ok], snapshot.startLatency[.ok]!.quantile(0.99)
//     snapshot.steps[StepKey(stage: .stage1, step: "ns_join")]?.latency   // LatencyHistogram
//     snapshot.failures, snapshot.incomplete, snapshot.rejected, snapshot.lostEvents, snapshot.slowest
//
// A Collector is not thread-safe: use it from one thread (or behind your lock) and hand the
// `Aggregates` value (Sendable) to others. See `LatencyHistogram` for the bucket grid.

/// Turns trace lines into starts and aggregates: groups lines by `trace_id`, follows each
/// start's open spans, finalizes it when it completes (its root `start` span ended; or, with
/// no parent lines as under runc, stage-0 ended and stage-2 handed over or a stage failed),
/// and folds it into `Aggregates`. Memory grows with distinct steps and open starts (capped),
/// never with the number of lines.
public final class Collector: LineConsumer {
    public struct Configuration: Sendable {
        /// Open starts kept at once; past it the oldest is finalized (as incomplete or failed).
        /// 1024 concurrently running starts in one trace is far beyond a host's rate, so in
        /// practice only killed starts (which never end) are evicted, and memory stays flat.
        public var maxOpenStarts = 1024
        /// How many of the slowest starts `Aggregates.slowest` keeps.
        public var slowestCount = 10
        /// Finalized trace ids remembered, so their stray later lines count as `late`.
        public var rememberedFinishedStarts = 4096

        public init(maxOpenStarts: Int = 1024, slowestCount: Int = 10) {
            self.maxOpenStarts = maxOpenStarts
            self.slowestCount = slowestCount
        }
    }

    /// An input opened with `openSource(named:)`.
    public struct SourceID: Hashable, Sendable {
        let index: Int
    }

    let parser = LineParser()
    private var state: CollectorState
    private var sources: [SourceState] = []

    public init(configuration: Configuration = Configuration()) {
        state = CollectorState(configuration: configuration)
    }

    // MARK: Input

    /// Reads a whole file (`-`: standard input), then parses its unterminated last line, if any.
    /// Open starts stay open (a start may continue in the next file): call `finish()` at the end.
    public func read(path: String) throws {
        try TraceReader.read(path: path, into: self)
    }

    /// Starts a chunked input, e.g. a file followed by `nstrace serve --watch`.
    public func openSource(named name: String) -> SourceID {
        sources.append(SourceState(name: name))
        return SourceID(index: sources.count - 1)
    }

    /// Parses appended bytes of `source`. A line cut at the end of `bytes` waits for the next call.
    public func ingest(_ bytes: UnsafeRawBufferPointer, from source: SourceID) {
        TraceReader.feed(bytes, atEnd: false, into: self, source: &sources[source.index])
    }

    public func ingest(_ bytes: [UInt8], from source: SourceID) {
        bytes.withUnsafeBytes { ingest($0, from: source) }
    }

    /// The input ended (or was truncated): parses what is left of its last line.
    public func endOfInput(from source: SourceID) {
        TraceReader.feed(UnsafeRawBufferPointer(start: nil, count: 0), atEnd: true, into: self,
                         source: &sources[source.index])
    }

    /// Finalizes starts whose last line arrived more than `nanoseconds` ago (by `MonotonicClock`):
    /// a start that stopped writing has hung or was killed. Returns how many were finalized.
    @discardableResult
    public func finalizeIdleStarts(idleLongerThan nanoseconds: UInt64, now: UInt64 = MonotonicClock.nanoseconds()) -> Int {
        var finalized = 0
        for slot in state.table.openSlots
        where now >= state.table[slot].lastIngestNs && now - state.table[slot].lastIngestNs > nanoseconds {
            state.finalize(slot: slot, names: parser)
            finalized += 1
        }
        return finalized
    }

    /// End of all input: every open start is finalized (incomplete, or failed if it had an error).
    public func finish() {
        for slot in state.table.openSlots { state.finalize(slot: slot, names: parser) }
    }

    /// Everything aggregated so far.
    public var aggregates: Aggregates {
        var snapshot = state.totals
        let stageCount = CollectorState.stageCount
        for (index, statistics) in state.stepStatistics.enumerated() where statistics.count > 0 {
            let key = StepKey(stage: Stage(rawValue: UInt8(index % stageCount))!,
                              step: parser.name(UInt16(index / stageCount)))
            snapshot.steps[key] = statistics
        }
        snapshot.slowest = state.slowest.sorted
        snapshot.openStarts = state.table.count
        return snapshot
    }

    // MARK: LineConsumer

    func consume(_ records: UnsafeBufferPointer<nst_line>, source: inout SourceState) {
        state.consume(records, source: &source, names: parser)
    }

    func consumeOverlongLine(length: Int, source: inout SourceState) {
        state.consumeOverlongLine(length: length, source: &source)
    }
}
