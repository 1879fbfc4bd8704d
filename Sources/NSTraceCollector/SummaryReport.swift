/// `nstrace summary`: the aggregates as a report a person reads in five seconds (text) or
/// as one JSON document for scripts. Both list the same facts in the same order.
public struct SummaryReport {
    public let aggregates: Aggregates
    /// The input names, as given.
    public let inputs: [String]
    /// How many steps the text's per-step table shows (all with `nil`).
    public var stepLimit: Int? = 12

    public init(aggregates: Aggregates, inputs: [String]) {
        self.aggregates = aggregates
        self.inputs = inputs
    }

    /// The root span and the stage spans contain the steps: the per-step table leaves them
    /// out (they are the start latency and the stage line) so time is not counted twice.
    static func isContainer(_ key: StepKey) -> Bool {
        (key.stage == .parent && key.step == "start") || Stage(name: key.step) != nil
    }

    /// Steps by total time spent, most first (ties by name, for stable output).
    var stepsByTotal: [(key: StepKey, statistics: StepStatistics)] {
        aggregates.steps.map { (key: $0.key, statistics: $0.value) }.sorted {
            ($0.statistics.sumNanoseconds, $1.key) > ($1.statistics.sumNanoseconds, $0.key)
        }
    }

    var failuresByCount: [(key: FailureKey, group: FailureGroup)] {
        aggregates.failures.map { (key: $0.key, group: $0.value) }.sorted {
            ($0.group.count, $1.key) > ($1.group.count, $0.key)
        }
    }

    var incompleteByCount: [(key: StepKey, group: IncompleteGroup)] {
        aggregates.incomplete.map { (key: $0.key, group: $0.value) }.sorted {
            ($0.group.count, $1.key) > ($1.group.count, $0.key)
        }
    }

    // MARK: Text

    public func text(colour: Bool = false) -> String {
        let style = TextStyle(enabled: colour)
        let totals = aggregates
        var out = ""
        let ok = totals.starts[.ok] ?? 0, failed = totals.starts[.failed] ?? 0
        let incomplete = totals.starts[.incomplete] ?? 0
        out += style.bold("Starts: \(totals.totalStarts)") + "  "
        out += style.green("\(ok) ok") + ", " + (failed > 0 ? style.red("\(failed) failed") : "0 failed") + ", "
        out += (incomplete > 0 ? style.yellow("\(incomplete) incomplete") : "0 incomplete")
        out += "   (\(totals.events) events in \(totals.lines) lines from \(inputs.count) input\(inputs.count == 1 ? "" : "s"))\n"
        if totals.openStarts > 0 { out += "Still open: \(totals.openStarts)\n" }
        if totals.evictedStarts > 0 {
            out += "Evicted from the open-start table while unfinished: \(totals.evictedStarts)\n"
        }

        out += "\n" + style.bold("Start latency") + "     count      p50      p90      p99      max\n"
        for outcome in StartOutcome.allCases {
            guard let histogram = totals.startLatency[outcome], histogram.count > 0 else { continue }
            out += "  " + pad(outcome.rawValue, 14) + leftPad(String(histogram.count), 8)
            for q in [0.5, 0.9, 0.99] { out += leftPad(DurationText.format(histogram.quantile(q)), 9) }
            out += leftPad(DurationText.format(histogram.maxNanoseconds), 9) + "\n"
        }
        if totals.totalStarts == 0 { out += "  (no finished starts)\n" }

        let stages = [Stage.stage0, .stage1, .stage2].compactMap { stage -> String? in
            let setupKey = StepKey(stage: .stage0, step: stage.name)
            let key = stage == .stage0 && totals.steps[setupKey] == nil ? StepKey(stage: .setup, step: stage.name) : setupKey
            guard let statistics = totals.steps[key] ?? totals.steps[StepKey(stage: stage, step: stage.name)] else { return nil }
            return "\(DurationText.format(statistics.latency.quantile(0.5))) (\(stage.name))"
        }
        if !stages.isEmpty { out += "  stages, p50:  " + stages.joined(separator: " + ") + "\n" }

        let steps = stepsByTotal.filter { !Self.isContainer($0.key) }
        if !steps.isEmpty {
            out += "\n" + style.bold("Time by step") + " (sorted by total; count, mean and quantiles per start)\n"
            out += "  " + pad("stage", 8) + pad("step", 18) + leftPad("total", 9) + leftPad("count", 9)
            out += leftPad("mean", 9) + leftPad("p50", 9) + leftPad("p90", 9) + leftPad("p99", 9) + leftPad("max", 9)
            out += leftPad("errors", 8) + "\n"
            for (key, statistics) in steps.prefix(stepLimit ?? steps.count) {
                let mean = statistics.count > 0 ? statistics.sumNanoseconds / statistics.count : 0
                out += "  " + pad(key.stage.name, 8) + pad(key.step, 18)
                out += leftPad(DurationText.format(statistics.sumNanoseconds), 9) + leftPad(String(statistics.count), 9)
                out += leftPad(DurationText.format(mean), 9)
                for q in [0.5, 0.9, 0.99] { out += leftPad(DurationText.format(statistics.latency.quantile(q)), 9) }
                out += leftPad(DurationText.format(statistics.maxNanoseconds), 9)
                let errors = leftPad(String(statistics.errors), 8)
                out += (statistics.errors > 0 ? style.red(errors) : errors) + "\n"
            }
            if let limit = stepLimit, steps.count > limit {
                out += "  … \(steps.count - limit) more step\(steps.count - limit == 1 ? "" : "s") (--all lists them)\n"
            }
        }

        if !totals.failures.isEmpty {
            out += "\n" + style.bold("Failures") + " by step and errno (one example each)\n"
            for (key, group) in failuresByCount {
                out += "  " + leftPad(String(group.count), 7) + "  " + style.red(pad(key.description, 30))
                out += " " + (group.exampleMessage.isEmpty ? "(no message)" : group.exampleMessage)
                out += "  [" + group.exampleTraceID.description + "]\n"
            }
        }
        if !totals.incomplete.isEmpty {
            out += "\n" + style.bold("Incomplete") + " starts by the step they were in\n"
            for (key, group) in incompleteByCount {
                out += "  " + leftPad(String(group.count), 7) + "  " + style.yellow(pad(key.description, 30))
                out += " [" + group.exampleTraceID.description + "]\n"
            }
        }
        if !totals.slowest.isEmpty {
            out += "\n" + style.bold("Slowest starts") + "\n"
            for start in totals.slowest {
                out += "  " + leftPad(DurationText.format(start.latencyNanoseconds), 9) + "  " + start.traceID.description
                out += "  " + start.outcome.rawValue
                if let failure = start.failure { out += " (\(failure))" }
                out += "\n"
            }
        }
        if totals.lostEvents > 0 {
            out += "\n" + style.yellow("Lost events: \(totals.lostEvents)") + " (the constructor could not write them)\n"
        }
        if !totals.rejected.isEmpty {
            out += "\n" + style.bold("Skipped lines: \(totals.rejectedLines)") + "\n"
            for reason in RejectReason.allCases {
                guard let rejected = totals.rejected[reason] else { continue }
                out += "  " + leftPad(String(rejected.count), 7) + "  " + pad(reason.explanation, 36)
                out += rejected.examples.map { example in
                    example.detail.isEmpty ? example.location.description : "\(example.location) (\(example.detail))"
                }.joined(separator: ", ")
                if rejected.count > UInt64(rejected.examples.count) { out += ", …" }
                out += "\n"
            }
        }
        return out
    }

    // MARK: JSON

    public func json() -> String {
        let totals = aggregates
        var json = JSONWriter()
        json.beginObject()
        json.string("format", "nstrace-summary")
        json.number("version", 1)
        json.beginArray("inputs")
        for input in inputs { json.string(nil, input) }
        json.endArray()
        json.number("lines", totals.lines)
        json.number("bytes", totals.bytes)
        json.number("events", totals.events)
        json.beginObject("starts")
        json.number("total", totals.totalStarts)
        for outcome in StartOutcome.allCases { json.number(outcome.rawValue, totals.starts[outcome] ?? 0) }
        json.number("open", totals.openStarts)
        json.number("evicted", totals.evictedStarts)
        json.endObject()
        json.beginObject("start_latency_ns")
        for outcome in StartOutcome.allCases {
            json.beginObject(outcome.rawValue)
            Self.writeQuantiles(totals.startLatency[outcome] ?? LatencyHistogram(), into: &json)
            json.endObject()
        }
        json.endObject()
        json.beginArray("steps")
        for (key, statistics) in stepsByTotal {
            json.beginObject()
            json.string("stage", key.stage.name)
            json.string("step", key.step)
            json.number("errors", statistics.errors)
            Self.writeQuantiles(statistics.latency, into: &json)
            json.endObject()
        }
        json.endArray()
        json.beginArray("failures")
        for (key, group) in failuresByCount {
            json.beginObject()
            json.string("stage", key.step.stage.name)
            json.string("step", key.step.step)
            json.string("errno_name", key.errnoName)
            json.number("errno", group.exampleErrno)
            json.number("count", group.count)
            json.string("example_error", group.exampleMessage)
            json.string("example_trace_id", group.exampleTraceID.description)
            json.endObject()
        }
        json.endArray()
        json.beginArray("incomplete")
        for (key, group) in incompleteByCount {
            json.beginObject()
            json.string("stage", key.stage.name)
            json.string("step", key.step)
            json.number("count", group.count)
            json.string("example_trace_id", group.exampleTraceID.description)
            json.endObject()
        }
        json.endArray()
        json.beginArray("slowest")
        for start in totals.slowest {
            json.beginObject()
            json.string("trace_id", start.traceID.description)
            json.number("latency_ns", start.latencyNanoseconds)
            json.string("outcome", start.outcome.rawValue)
            if let failure = start.failure {
                json.string("failed_stage", failure.step.stage.name)
                json.string("failed_step", failure.step.step)
                json.string("errno_name", failure.errnoName)
            }
            json.endObject()
        }
        json.endArray()
        json.number("lost_events", totals.lostEvents)
        json.beginArray("rejected")
        for reason in RejectReason.allCases {
            guard let rejected = totals.rejected[reason] else { continue }
            json.beginObject()
            json.string("reason", reason.rawValue)
            json.number("count", rejected.count)
            json.beginArray("examples")
            for example in rejected.examples {
                json.beginObject()
                json.string("file", example.location.file)
                json.number("line", example.location.line)
                json.string("detail", example.detail)
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.text + "\n"
    }

    private static func writeQuantiles(_ histogram: LatencyHistogram, into json: inout JSONWriter) {
        json.number("count", histogram.count)
        json.number("total_ns", histogram.sumNanoseconds)
        json.number("min_ns", histogram.minNanoseconds)
        json.number("mean_ns", histogram.count > 0 ? histogram.sumNanoseconds / histogram.count : 0)
        json.number("p50_ns", histogram.quantile(0.5))
        json.number("p90_ns", histogram.quantile(0.9))
        json.number("p99_ns", histogram.quantile(0.99))
        json.number("max_ns", histogram.maxNanoseconds)
    }
}

/// Left-aligned in `width` columns (longer text is kept whole).
func pad(_ text: String, _ width: Int) -> String {
    let count = text.count
    return count >= width ? text + " " : text + String(repeating: " ", count: width - count)
}

/// Right-aligned in `width` columns.
func leftPad(_ text: String, _ width: Int) -> String {
    let count = text.count
    return count >= width ? " " + text : String(repeating: " ", count: width - count) + text
}
