import CSimdJSONShim

/// The collector's mutable state, kept in one struct so the per-line loop runs inside one
/// mutating call (a class property access per line would pay for exclusivity checks).
struct CollectorState {
    let configuration: Collector.Configuration
    var table: OpenStartTable
    var totals = Aggregates()
    /// Step statistics by `step id * 5 + stage`, turned into `StepKey`s when read.
    var stepStatistics: [StepStatistics] = []
    var slowest: SlowestStarts
    private var finishedRing: [TraceID] = []
    private var finishedRingNext = 0
    private var finished: Set<TraceID> = []
    /// Read once per batch: idleness needs no finer clock.
    private var batchNow: UInt64 = 0

    init(configuration: Collector.Configuration) {
        self.configuration = configuration
        table = OpenStartTable(capacity: configuration.maxOpenStarts)
        slowest = SlowestStarts(limit: configuration.slowestCount)
    }


    static let stageCount = Int(NST_STAGE_COUNT.rawValue)

    mutating func consume(_ records: UnsafeBufferPointer<nst_line>, source: inout SourceState, names: LineParser) {
        batchNow = MonotonicClock.nanoseconds()
        for record in records {
            source.lineNumber += 1
            totals.lines += 1
            totals.bytes += UInt64(record.line_length) + 1
            guard record.status == UInt8(NST_LINE_EVENT.rawValue) else {
                reject(record, source: source)
                continue
            }
            take(record, source: source, names: names)
        }
        table.compactArrivalIfNeeded()
    }

    mutating func consumeOverlongLine(length: Int, source: inout SourceState) {
        source.lineNumber += 1
        totals.lines += 1
        totals.bytes += UInt64(length)
        reject(.tooLong, detail: "over \(length) bytes", source: source)
    }

    private mutating func take(_ record: nst_line, source: SourceState, names: LineParser) {
        let traceID = TraceID(high: record.trace_id_high, low: record.trace_id_low)
        let slot: Int
        if let existing = table.slot(of: traceID) {
            slot = existing
        } else {
            if finished.contains(traceID) {
                // The parent's `wait` span (the command running) follows the start it belongs
                // to by design; anything else after the end is late.
                if record.stage == Stage.parent.rawValue && names.name(record.step) == "wait" {
                    totals.events += 1
                    return
                }
                reject(.late, detail: "trace \(traceID)", source: source)
                return
            }
            if table.isFull, let oldest = table.oldestSlot() {
                totals.evictedStarts += 1
                finalize(slot: oldest, names: names)
            }
            slot = table.insert(traceID, now: batchNow)
        }
        totals.events += 1
        table[slot].apply(record, now: batchNow)
        if record.kind == UInt8(NST_KIND_END.rawValue) {
            let index = Int(record.step) * Self.stageCount + Int(record.stage)
            if index >= stepStatistics.count {
                stepStatistics.append(contentsOf: repeatElement(StepStatistics(), count: index + 1 - stepStatistics.count))
            }
            stepStatistics[index].count += 1
            if record.outcome == UInt8(NST_OUTCOME_ERROR.rawValue) { stepStatistics[index].errors += 1 }
            stepStatistics[index].latency.record(nanoseconds: record.dur_ns)
        }
        if table[slot].isComplete { finalize(slot: slot, names: names) }
    }

    mutating func finalize(slot: Int, names: LineParser) {
        let start = table[slot]
        table.remove(slot: slot)
        rememberFinished(start.traceID)
        let outcome = start.outcome
        let latency = start.latencyNs
        totals.starts[outcome, default: 0] += 1
        totals.startLatency[outcome, default: LatencyHistogram()].record(nanoseconds: latency)
        totals.lostEvents += start.lostTotal
        var failureKey: FailureKey?
        switch outcome {
        case .failed:
            let key: FailureKey
            if let failure = start.failure {
                key = FailureKey(step: StepKey(stage: failure.stage, step: names.name(failure.step)),
                                 errnoName: failure.errnoName == 0 ? "" : names.name(failure.errnoName))
            } else {
                key = FailureKey(step: StepKey(stage: .parent, step: "start"), errnoName: "")
            }
            failureKey = key
            totals.lastFailedTraceID = start.traceID
            if totals.failures[key] == nil {
                totals.failures[key] = FailureGroup(exampleMessage: start.failure?.message ?? "",
                                                    exampleErrno: start.failure?.errnoValue ?? -1,
                                                    exampleTraceID: start.traceID)
            }
            totals.failures[key]!.count += 1
        case .incomplete:
            let (stage, step) = start.lastOpenStep
            let key = StepKey(stage: stage, step: names.name(step))
            totals.incomplete[key, default: IncompleteGroup(exampleTraceID: start.traceID)].count += 1
        case .ok:
            break
        }
        if outcome != .incomplete {
            slowest.offer(SlowStart(traceID: start.traceID, latencyNanoseconds: latency, outcome: outcome,
                                    failure: failureKey))
        }
    }

    private mutating func rememberFinished(_ traceID: TraceID) {
        let capacity = configuration.rememberedFinishedStarts
        guard capacity > 0 else { return }
        if finishedRing.count < capacity {
            finishedRing.append(traceID)
        } else {
            finished.remove(finishedRing[finishedRingNext])
            finishedRing[finishedRingNext] = traceID
            finishedRingNext = (finishedRingNext + 1) % capacity
        }
        finished.insert(traceID)
    }

    // MARK: Rejected lines

    private mutating func reject(_ record: nst_line, source: SourceState) {
        let reason: RejectReason
        switch Int(record.status) {
        case Int(NST_LINE_BLANK.rawValue): reason = .blank
        case Int(NST_LINE_NOT_OBJECT.rawValue): reason = .notObject
        case Int(NST_LINE_RUNC_LOG.rawValue): reason = .runcLog
        case Int(NST_LINE_UNKNOWN_VERSION.rawValue): reason = .unknownVersion
        case Int(NST_LINE_MISSING_FIELD.rawValue): reason = .missingField
        case Int(NST_LINE_INVALID_FIELD.rawValue): reason = .invalidField
        case Int(NST_LINE_TRUNCATED.rawValue): reason = .truncated
        case Int(NST_LINE_TOO_LONG.rawValue): reason = .tooLong
        default: reason = .invalidJSON
        }
        // Details are only built for the lines kept as examples.
        let wantsExample = (totals.rejected[reason]?.examples.count ?? 0) < RejectedLines.exampleLimit
        var detail = ""
        if wantsExample {
            switch reason {
            case .unknownVersion: detail = "v=\(record.version)"
            case .missingField: detail = "no \"\(LineParser.fieldName(record.bad_field))\""
            case .invalidField: detail = "bad \"\(LineParser.fieldName(record.bad_field))\""
            case .tooLong: detail = "\(record.line_length) bytes"
            default: detail = ""
            }
        }
        reject(reason, detail: detail, source: source)
    }

    private mutating func reject(_ reason: RejectReason, detail: String, source: SourceState) {
        totals.rejected[reason, default: RejectedLines()].count += 1
        if totals.rejected[reason]!.examples.count < RejectedLines.exampleLimit {
            totals.rejected[reason]!.examples.append((LineLocation(file: source.name, line: source.lineNumber), detail))
        }
    }
}
