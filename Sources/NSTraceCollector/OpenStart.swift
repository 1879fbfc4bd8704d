import CSimdJSONShim

/// What the collector keeps about a start until it is finalized: only what outcome,
/// latency and "where was it" need, never its events, so a start costs a few hundred bytes.
struct OpenStart {
    /// A `begin` whose `end` has not arrived.
    struct OpenSpan {
        var spanID: UInt64
        var stage: Stage
        var step: UInt16
        var beginNs: UInt64
    }

    /// An error `end`; the start's failure is the most telling one (see `isBetterFailure`).
    struct Failure {
        var stage: Stage
        var step: UInt16
        var errnoName: UInt16
        var errnoValue: Int32
        var message: String
        var endNs: UInt64
        /// 0: a step, 1: a stage span, 2: the root `start` span (the cause ranks before its echoes).
        var rank: Int
    }

    var traceID = TraceID(high: 0, low: 0)
    /// Order of arrival in the table, for evicting the oldest.
    var ordinal: UInt64 = 0
    var inUse = false
    var firstNs: UInt64 = .max
    var lastNs: UInt64 = 0
    /// `MonotonicClock` time of the last line, for `finalizeIdleStarts`.
    var lastIngestNs: UInt64 = 0
    var sawParent = false
    var rootEnded = false
    var rootFailed = false
    var rootDurationNs: UInt64 = 0
    var stage0Ended = false
    var stage2Done = false
    var stageFailed = false
    var lastStage: Stage = .parent
    var lastStep: UInt16 = 0
    var openSpans: [OpenSpan] = []
    var failure: Failure?
    /// `lost` is a running count per process: keep the maximum of each (parent, init, stage-1, stage-2).
    var lost: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Clears for reuse, keeping `openSpans`' storage.
    mutating func reset(traceID: TraceID, ordinal: UInt64) {
        var spans = openSpans
        spans.removeAll(keepingCapacity: true)
        self = OpenStart()
        self.openSpans = spans
        self.traceID = traceID
        self.ordinal = ordinal
        self.inUse = true
    }

    static func isStageSpan(_ step: UInt16) -> Bool {
        step == UInt16(NST_NAME_STAGE_0.rawValue) || step == UInt16(NST_NAME_STAGE_1.rawValue)
            || step == UInt16(NST_NAME_STAGE_2.rawValue)
    }

    /// Takes one event line.
    mutating func apply(_ record: nst_line, now: UInt64) {
        let stage = Stage(shim: record.stage)
        let beginNs = record.kind == UInt8(NST_KIND_END.rawValue) ? record.mono_ns - record.dur_ns : record.mono_ns
        firstNs = min(firstNs, beginNs)
        lastNs = max(lastNs, record.mono_ns)
        lastIngestNs = now
        lastStage = stage
        lastStep = record.step
        if stage == .parent { sawParent = true }
        if record.lost > 0 {
            switch stage.process {
            case .parent: lost.0 = max(lost.0, record.lost)
            case .stage1: lost.2 = max(lost.2, record.lost)
            case .stage2: lost.3 = max(lost.3, record.lost)
            default: lost.1 = max(lost.1, record.lost)
            }
        }
        switch record.kind {
        case UInt8(NST_KIND_BEGIN.rawValue):
            openSpans.append(OpenSpan(spanID: record.span_id, stage: stage, step: record.step, beginNs: record.mono_ns))
        case UInt8(NST_KIND_END.rawValue):
            if let index = openSpans.lastIndex(where: { $0.spanID == record.span_id }) {
                openSpans.remove(at: index)
            }
            let isRoot = stage == .parent && record.step == UInt16(NST_NAME_START.rawValue)
            let failed = record.outcome == UInt8(NST_OUTCOME_ERROR.rawValue)
            if isRoot {
                rootEnded = true
                rootFailed = failed
                rootDurationNs = record.dur_ns
            } else if record.step == UInt16(NST_NAME_STAGE_0.rawValue) {
                stage0Ended = true
            } else if record.step == UInt16(NST_NAME_STAGE_2.rawValue) {
                stage2Done = true
            }
            if failed {
                let rank = isRoot ? 2 : Self.isStageSpan(record.step) ? 1 : 0
                if rank == 1 { stageFailed = true }
                if Self.isBetterFailure(rank: rank, endNs: record.mono_ns, than: failure) {
                    failure = Failure(stage: stage, step: record.step, errnoName: record.errno_name,
                                      errnoValue: record.errno_value,
                                      message: LineParser.text(record.error, of: record), endNs: record.mono_ns, rank: rank)
                }
            }
        default:
            if stage == .stage2 && record.step == UInt16(NST_NAME_EXEC.rawValue) { stage2Done = true }
        }
    }

    /// The cause (a step) beats its echoes (the stage spans and the root ending in error);
    /// among equals, the one that ended first.
    static func isBetterFailure(rank: Int, endNs: UInt64, than current: Failure?) -> Bool {
        guard let current else { return true }
        return rank < current.rank || (rank == current.rank && endNs < current.endNs)
    }

    /// Finished without the end of input: the root span ended, or (no parent, as under runc)
    /// stage-0 ended and stage-2 handed over, or a stage failed.
    var isComplete: Bool {
        rootEnded || (!sawParent && stage0Ended && (stage2Done || stageFailed))
    }

    var outcome: StartOutcome {
        if rootEnded { return rootFailed ? .failed : .ok }
        if stageFailed { return .failed }
        if isComplete { return .ok }
        // Cut short after an error: failed (a deferred EPERM that was retried fine does not
        // make a finished start fail, but it is the best explanation of one that never ended).
        return failure != nil ? .failed : .incomplete
    }

    var latencyNs: UInt64 {
        rootEnded ? rootDurationNs : (lastNs >= firstNs ? lastNs - firstNs : 0)
    }

    var lostTotal: UInt64 { lost.0 + lost.1 + lost.2 + lost.3 }

    /// Where an incomplete start was: the open span of the furthest stage that began last,
    /// a step rather than a stage span; else the last line's step.
    var lastOpenStep: (stage: Stage, step: UInt16) {
        var best: OpenSpan?
        for span in openSpans {
            guard let current = best else {
                best = span
                continue
            }
            let spanKey = (span.stage.process.rawValue, Self.isStageSpan(span.step) ? 0 : 1, span.beginNs)
            let bestKey = (current.stage.process.rawValue, Self.isStageSpan(current.step) ? 0 : 1, current.beginNs)
            if spanKey > bestKey { best = span }
        }
        if let best { return (best.stage, best.step) }
        return (lastStage, lastStep)
    }
}
