import Foundation
import NSTraceCollector
import NSTraceMetrics
import Testing

/// Expositions of whole traces through the real collector, checked by promtool, the strict
/// OpenMetrics parser, and golden files.
@Suite struct TraceMetricsTests {
    static func aggregate(_ text: String, chunk: Int = 4096) -> Aggregates {
        let collector = Collector()
        let source = collector.openSource(named: "test")
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            collector.ingest(Array(bytes[offset..<end]), from: source)
            offset = end
        }
        collector.endOfInput(from: source)
        collector.finish()
        return collector.aggregates
    }

    static func sample(_ text: String, _ prefix: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(prefix + " ") {
            return Double(line.split(separator: " ").last!)
        }
        return nil
    }

    @Test func generatedTraceWithFailuresPassesBothValidators() throws {
        var generator = SyntheticTraces(seed: 42)
        let trace = generator.trace(ok: 40, failed: 7, incomplete: 3)
        let snapshot = MetricsSnapshot(Self.aggregate(trace, chunk: 777))
        #expect(snapshot.startsOK == 40)
        #expect(snapshot.startsFailed == 7)
        #expect(snapshot.startsIncomplete == 3)
        #expect(snapshot.failures[.init(stage: "stage-1", step: "ns_open", errnoName: "ENOENT")] == 7)
        #expect(snapshot.incompleteByLastStep.values.reduce(0, +) == 3)

        let prom = String(decoding: snapshot.render(.prometheus), as: UTF8.self)
        let om = String(decoding: snapshot.render(.openMetrics), as: UTF8.self)
        let lint = try Validators.promtool(prom)
        #expect(lint.status == 0, "\(lint.output)")
        let strict = try Validators.pythonSamples(om, openMetrics: true)
        #expect(strict.status == 0, "\(strict.output)")
        #expect(om.hasSuffix("# EOF\n") && !prom.contains("# EOF"))

        #expect(Self.sample(prom, #"nstrace_starts_total{result="ok"}"#) == 40)
        #expect(Self.sample(prom, #"nstrace_starts_total{result="failed"}"#) == 7)
        #expect(Self.sample(prom, #"nstrace_starts_total{result="incomplete"}"#) == 3)
        #expect(Self.sample(prom, #"nstrace_step_failures_total{stage="stage-1",step="ns_open",errno_name="ENOENT"}"#) == 7)
        #expect(Self.sample(prom, #"nstrace_start_duration_seconds_count{result="ok"}"#) == 40)
        #expect(Self.sample(prom, #"nstrace_start_duration_seconds_bucket{result="ok",le="+Inf"}"#) == 40)
        // The awkward namespace path lives in error messages only: no label carries it, nor
        // a trace id or pid.
        #expect(!prom.contains("weird") && !prom.contains("we\\\"ird"))
        #expect(!prom.contains("trace_id") && !prom.contains("pid="))
        // ns_join (~12–18 µs) falls between the 10 µs and 25 µs bounds: the buckets resolve it.
        let below10 = Self.sample(prom, #"nstrace_step_duration_seconds_bucket{stage="stage-1",step="ns_join",le="1e-05"}"#)
        let below25 = Self.sample(prom, #"nstrace_step_duration_seconds_bucket{stage="stage-1",step="ns_join",le="2.5e-05"}"#)
        #expect(below10 == 0 && below25 == 43, "40 ok and 3 incomplete starts joined")
    }

    /// Bucket counts equal exact counts of the durations at every bound.
    @Test func bucketsMatchExactCounts() throws {
        var histogram = LatencyHistogram()
        var values: [UInt64] = []
        var x: UInt64 = 12_345
        for _ in 0..<5_000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let value = (x >> 20) % 40_000_000_000  // up to 40 s
            let scaled = value >> ((x >> 8) % 24)    // spread over many decades
            values.append(scaled)
            histogram.record(nanoseconds: scaled)
        }
        // Values exactly on the bounds count as at-or-below.
        for bound in DurationBuckets.nanoseconds {
            values.append(bound)
            histogram.record(nanoseconds: bound)
        }
        let converted = HistogramValue(histogram)
        for (index, bound) in DurationBuckets.bounds.enumerated() {
            let exact = UInt64(values.filter { $0 <= bound.nanoseconds }.count)
            #expect(converted.cumulativeCounts[index] == exact, "le=\(bound.le)")
        }
        #expect(converted.count == UInt64(values.count))
        #expect(abs(converted.sumSeconds - Double(values.reduce(0, +)) / 1e9) < 1e-6)
    }

    /// Golden expositions of a small fixed trace: two ok starts, a failure whose error names a
    /// namespace path with `"`, `\` and a newline, an incomplete start, and a step whose name
    /// itself holds those characters (label escaping end to end).
    @Test(arguments: [ExpositionFormat.prometheus, .openMetrics])
    func goldenSmallTrace(format: ExpositionFormat) throws {
        var generator = SyntheticTraces(seed: 7)
        var trace = generator.trace(ok: 2, failed: 1, incomplete: 1)
        #expect(trace.contains(#"we\"ird\\ns\nname"#), "the JSON carries the escaped path")
        trace += #"{"level":"debug","msg":"x","v":1,"trace_id":"0123456789abcdef0123456789abcdef","span_id":"00000000000000aa","parent_span_id":"00000000000000ab","kind":"end","stage":"stage-1","step":"odd\"step\\with\nnewline","pid":9,"ns_pid":9,"seq":1,"mono_ns":"5000","wall_ns":"5000","dur_ns":1500,"outcome":"ok"}"#
            + "\n" + #"{"level":"debug","msg":"runc says hi"}"# + "\n" + "not json\n"
        let aggregates = Self.aggregate(trace)
        let text = String(decoding: MetricsSnapshot(aggregates, version: "golden").render(format), as: UTF8.self)
        let odd = try #require(aggregates.steps.keys.first { $0.step.hasPrefix("odd") }).step
        #expect(odd.contains("\"") && odd.contains("\\"), "a step name with a quote and a backslash")
        #expect(text.contains("step=\"" + Self.escapeLabel(odd) + "\""))
        let golden = format == .prometheus ? GoldenExpositions.smallPrometheus : GoldenExpositions.smallOpenMetrics
        if ProcessInfo.processInfo.environment["NSTRACE_UPDATE_GOLDEN"] == "1" {
            try GoldenExpositions.update(format == .prometheus ? "smallPrometheus" : "smallOpenMetrics", to: text)
        }
        #expect(text == golden, "regenerate with NSTRACE_UPDATE_GOLDEN=1 after checking the diff")
        if format == .prometheus {
            let lint = try Validators.promtool(text)
            #expect(lint.status == 0, "\(lint.output)")
        } else {
            let strict = try Validators.pythonSamples(text, openMetrics: true)
            #expect(strict.status == 0, "\(strict.output)")
            // The strict parser reads back exactly the collector's step names.
            let steps = try Validators.pythonLabelValues(text, label: "step")
            #expect(steps == Set(aggregates.steps.keys.map(\.step)))
        }
    }

    /// Label escaping written independently of the renderer.
    static func escapeLabel(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Snapshots taken while a trace streams in never show a counter going down.
    @Test func countersNeverDecreaseWhileIngesting() {
        var generator = SyntheticTraces(seed: 3)
        let bytes = Array(generator.trace(ok: 60, failed: 10, incomplete: 5).utf8)
        let collector = Collector()
        let source = collector.openSource(named: "stream")
        var previous = MetricsSnapshot(version: "x")
        var offset = 0
        var checks = 0
        while offset < bytes.count {
            let end = min(offset + 1_000, bytes.count)
            collector.ingest(Array(bytes[offset..<end]), from: source)
            offset = end
            if offset == bytes.count { collector.finish() }
            let current = MetricsSnapshot(collector.aggregates, version: "x")
            #expect(current.startsOK >= previous.startsOK && current.startsFailed >= previous.startsFailed
                    && current.startsIncomplete >= previous.startsIncomplete)
            for (key, value) in previous.stepDurations {
                let now = current.stepDurations[key]
                #expect(now != nil && now!.count >= value.count)
                if let now { #expect(zip(now.cumulativeCounts, value.cumulativeCounts).allSatisfy { $0 >= $1 }) }
            }
            previous = current
            checks += 1
        }
        #expect(checks > 10)
        #expect(previous.startsOK == 60 && previous.startsFailed == 10 && previous.startsIncomplete == 5)
    }
}
