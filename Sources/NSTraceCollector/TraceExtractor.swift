import CSimdJSONShim

/// Reads a trace file for one start: either finds which start to show (the latest one), or
/// keeps the lines of a chosen trace id along with the collector's verdict on it.
final class TraceExtractor: LineConsumer {
    let parser = LineParser()
    let wanted: TraceID?
    private(set) var events: [TimelineEvent] = []
    /// The same bookkeeping the collector does, so both views agree on outcome and step.
    private(set) var verdict = OpenStart()
    /// The trace id of the last start that began (its root `start` or its `stage-0` begin),
    /// and of the last event line at all.
    private(set) var lastBegun: TraceID?
    private(set) var lastSeen: TraceID?
    private(set) var rejectedLines = 0

    init(wanted: TraceID?) {
        self.wanted = wanted
        if let wanted { verdict.reset(traceID: wanted, ordinal: 0) }
    }

    func consume(_ records: UnsafeBufferPointer<nst_line>, source: inout SourceState) {
        for record in records {
            source.lineNumber += 1
            guard record.status == UInt8(NST_LINE_EVENT.rawValue) else {
                rejectedLines += 1
                continue
            }
            let traceID = TraceID(high: record.trace_id_high, low: record.trace_id_low)
            guard let wanted else {
                lastSeen = traceID
                if record.kind == UInt8(NST_KIND_BEGIN.rawValue)
                    && (record.step == UInt16(NST_NAME_START.rawValue) || record.step == UInt16(NST_NAME_STAGE_0.rawValue)) {
                    lastBegun = traceID
                }
                continue
            }
            guard traceID == wanted else { continue }
            events.append(TimelineEvent(record, names: parser, ordinal: events.count))
            verdict.apply(record, now: 0)
        }
    }

    func consumeOverlongLine(length: Int, source: inout SourceState) {
        source.lineNumber += 1
        rejectedLines += 1
    }

    func stepName(_ id: UInt16) -> String { parser.name(id) }
}
