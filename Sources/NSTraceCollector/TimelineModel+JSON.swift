import NSTraceCore

extension TimelineModel {
    /// `nstrace timeline --json`: the same start as one JSON document, offsets in ns from
    /// the start's first event, processes and spans in the order the terminal view draws.
    public func json() -> String {
        var json = JSONWriter()
        json.beginObject()
        json.string("format", "nstrace-timeline")
        json.number("version", 1)
        json.string("trace_id", traceID.description)
        json.string("outcome", outcome.rawValue)
        json.number("latency_ns", latencyNs)
        if let failure {
            json.beginObject("failure")
            json.string("stage", failure.step.stage.name)
            json.string("step", failure.step.step)
            json.string("errno_name", failure.errnoName)
            json.string("error", failureMessage)
            json.endObject()
        }
        if let openStep {
            json.beginObject("open_step")
            json.string("stage", openStep.stage.name)
            json.string("step", openStep.step)
            json.endObject()
        }
        json.number("lines", lineCount)
        json.beginArray("processes")
        for process in processes {
            json.beginObject()
            json.string("stage", process.stage.name)
            if let pid = process.pid { json.number("pid", pid) } else { json.null("pid") }
            if let nsPid = process.nsPid { json.number("ns_pid", nsPid) } else { json.null("ns_pid") }
            json.beginArray("spans")
            for span in (process.own.map { [$0] } ?? []) + process.steps { write(span, into: &json) }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.text + "\n"
    }

    private func write(_ span: Span, into json: inout JSONWriter) {
        json.beginObject()
        json.string("stage", span.stage.name)
        json.string("step", span.step)
        json.string("span_id", Hex.format(span.spanID))
        json.string("kind", span.isPoint ? "event" : span.endNs == nil ? "open" : "span")
        json.number("offset_ns", span.startNs &- originNs)
        if let end = span.endNs, !span.isPoint { json.number("dur_ns", end &- span.startNs) }
        if !span.detail.isEmpty { json.string("detail", span.detail) }
        if span.failed {
            json.string("errno_name", span.errnoName)
            json.string("error", span.error)
        }
        json.endObject()
    }
}
