import Foundation
import NSTraceMetrics
import NSTraceCollectorCLI
import Testing

@Suite struct ExpositionTests {
    static let twoBuckets = [BucketBound(nanoseconds: 10_000, le: "1e-05"), BucketBound(nanoseconds: 1_000_000_000, le: "1.0")]

    static let families: [MetricFamily] = [
        MetricFamily(name: "demo_step_duration_seconds", kind: .histogram, help: "Step time.", unit: "seconds",
                     buckets: twoBuckets,
                     series: [
                        Series(labels: [("step", "z")],
                               value: .histogram(HistogramValue(cumulativeCounts: [1, 3], count: 4, sumSeconds: 2.5))),
                        Series(labels: [("step", "a")],
                               value: .histogram(HistogramValue(cumulativeCounts: [0, 0], count: 0, sumSeconds: 0))),
                     ]),
        MetricFamily(name: "demo_failures", kind: .counter, help: "Fail \\ \"x\"\nsecond line.",
                     series: [Series(labels: [("path", "/run/netns/we\"ird\\ns\nname")], value: .integer(7))]),
        MetricFamily(name: "demo_build", kind: .info, help: "Build.", series: [Series(labels: [("version", "1.2")],
                                                                                       value: .integer(1))]),
        MetricFamily(name: "demo_open", kind: .gauge, help: "Open.", series: [Series(value: .integer(0))]),
    ]

    @Test func prometheusTextGolden() {
        let text = Exposition.renderString(Self.families, format: .prometheus)
        #expect(text == #"""
        # HELP demo_build_info Build.
        # TYPE demo_build_info gauge
        demo_build_info{version="1.2"} 1
        # HELP demo_failures_total Fail \\ "x"\nsecond line.
        # TYPE demo_failures_total counter
        demo_failures_total{path="/run/netns/we\"ird\\ns\nname"} 7
        # HELP demo_open Open.
        # TYPE demo_open gauge
        demo_open 0
        # HELP demo_step_duration_seconds Step time.
        # TYPE demo_step_duration_seconds histogram
        demo_step_duration_seconds_bucket{step="a",le="1e-05"} 0
        demo_step_duration_seconds_bucket{step="a",le="1.0"} 0
        demo_step_duration_seconds_bucket{step="a",le="+Inf"} 0
        demo_step_duration_seconds_sum{step="a"} 0.0
        demo_step_duration_seconds_count{step="a"} 0
        demo_step_duration_seconds_bucket{step="z",le="1e-05"} 1
        demo_step_duration_seconds_bucket{step="z",le="1.0"} 3
        demo_step_duration_seconds_bucket{step="z",le="+Inf"} 4
        demo_step_duration_seconds_sum{step="z"} 2.5
        demo_step_duration_seconds_count{step="z"} 4

        """#)
    }

    @Test func openMetricsGolden() {
        let text = Exposition.renderString(Self.families, format: .openMetrics)
        #expect(text == #"""
        # TYPE demo_build info
        # HELP demo_build Build.
        demo_build_info{version="1.2"} 1
        # TYPE demo_failures counter
        # HELP demo_failures Fail \\ \"x\"\nsecond line.
        demo_failures_total{path="/run/netns/we\"ird\\ns\nname"} 7
        # TYPE demo_open gauge
        # HELP demo_open Open.
        demo_open 0
        # TYPE demo_step_duration_seconds histogram
        # UNIT demo_step_duration_seconds seconds
        # HELP demo_step_duration_seconds Step time.
        demo_step_duration_seconds_bucket{step="a",le="1e-05"} 0
        demo_step_duration_seconds_bucket{step="a",le="1.0"} 0
        demo_step_duration_seconds_bucket{step="a",le="+Inf"} 0
        demo_step_duration_seconds_sum{step="a"} 0.0
        demo_step_duration_seconds_count{step="a"} 0
        demo_step_duration_seconds_bucket{step="z",le="1e-05"} 1
        demo_step_duration_seconds_bucket{step="z",le="1.0"} 3
        demo_step_duration_seconds_bucket{step="z",le="+Inf"} 4
        demo_step_duration_seconds_sum{step="z"} 2.5
        demo_step_duration_seconds_count{step="z"} 4
        # EOF

        """#)
    }

    @Test func bothFormatsPassTheValidatorsAndAgree() throws {
        let prom = Exposition.renderString(Self.families, format: .prometheus)
        let om = Exposition.renderString(Self.families, format: .openMetrics)
        let lint = try Validators.promtool(prom)
        #expect(lint.status == 0, "\(lint.output)")
        let strict = try Validators.pythonSamples(om, openMetrics: true)
        #expect(strict.status == 0, "\(strict.output)")
        let lenient = try Validators.pythonSamples(prom, openMetrics: false)
        #expect(lenient.status == 0, "\(lenient.output)")
        // The escaped label round-trips to the original value.
        #expect(strict.output.contains(#"path='/run/netns/we"ird\\ns\nname'"#), "\(strict.output)")
        // Same samples either way, once the type names are aligned (info→gauge, counter names).
        let normalise = { (text: String) in
            text.split(separator: "\n").map { String($0.split(separator: " ", maxSplits: 1)[1]) }.sorted()
        }
        #expect(normalise(strict.output) == normalise(lenient.output))
    }

    @Test func bucketsAreForcedCumulativeAndCappedByCount() {
        let family = MetricFamily(
            name: "x_seconds", kind: .histogram, help: "h", buckets: Self.twoBuckets,
            series: [Series(value: .histogram(HistogramValue(cumulativeCounts: [5, 2], count: 4, sumSeconds: 1)))])
        let text = Exposition.renderString([family], format: .prometheus)
        #expect(text.contains(#"x_seconds_bucket{le="1e-05"} 4"#))
        #expect(text.contains(#"x_seconds_bucket{le="1.0"} 4"#))
        #expect(text.contains(#"x_seconds_bucket{le="+Inf"} 4"#))
    }

    /// The hard-coded `le` strings are Go's `%g` of the bound (the canonical form), with `.0`
    /// appended to integers, strictly increasing, and equal to the nanosecond values.
    @Test func durationBucketsAreCanonical() {
        let bounds = DurationBuckets.bounds
        #expect(bounds.count >= 20)
        #expect(bounds.first!.nanoseconds <= 10_000, "resolves 10 µs steps")
        #expect(bounds.last!.nanoseconds >= 30_000_000_000, "resolves multi-second stalls")
        for (index, bound) in bounds.enumerated() {
            let seconds = Double(bound.nanoseconds) / 1e9
            #expect(Double(bound.le) == seconds, "\(bound.le)")
            #expect(bound.le == goPercentG(seconds), "\(bound.le) vs \(goPercentG(seconds))")
            if index > 0 { #expect(bounds[index - 1].nanoseconds < bound.nanoseconds) }
            // On the collector's 3-significant-digit grid: d.dd × 10^k ns.
            var mantissa = bound.nanoseconds
            while mantissa >= 1000 && mantissa % 10 == 0 { mantissa /= 10 }
            #expect(mantissa < 1000, "\(bound.nanoseconds) is on the grid")
        }
    }

    /// Go's `%g` with shortest precision, plus `.0` when there is no `.` or exponent.
    private func goPercentG(_ value: Double) -> String {
        let exponent = Int(floor(log10(value)))
        if exponent < -4 || exponent >= 21 {
            var mantissa = value / pow(10, Double(exponent))
            mantissa = (mantissa * 1e6).rounded() / 1e6
            var digits = String(mantissa)
            if digits.hasSuffix(".0") { digits.removeLast(2) }
            let sign = exponent < 0 ? "-" : "+"
            let magnitude = abs(exponent)
            return digits + "e" + sign + (magnitude < 10 ? "0" : "") + String(magnitude)
        }
        var text = String(format: "%.10f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text += "0" }
        return text
    }

    @Test(arguments: [
        (nil as String?, ExpositionFormat.prometheus),
        ("", .prometheus),
        ("*/*", .prometheus),
        ("text/plain", .prometheus),
        ("application/openmetrics-text", .openMetrics),
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", .openMetrics),
        ("application/openmetrics-text;version=0.0.1", .prometheus),
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", .openMetrics),
        ("text/plain;version=0.0.4;q=0.9, application/openmetrics-text;q=0.5", .prometheus),
        ("application/openmetrics-text;q=0", .prometheus),
        ("Application/OpenMetrics-Text ; q=0.7 , text/plain;q=0.7", .openMetrics),
    ])
    func acceptNegotiation(accept: String?, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }

    @Test func listenAddressParsing() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:9464") == ListenAddress(host: "127.0.0.1", port: 9464, isIPv6: false))
        #expect(try ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0, isIPv6: true))
        #expect(try ListenAddress(parsing: "localhost:80").host == "127.0.0.1")
        for bad in ["9464", ":9464", "127.0.0.1:99999", "127.0.0.1:x", "example.com:80", "::1:80", "[nope]:1"] {
            #expect(throws: MetricsError.self, "\(bad)") { try ListenAddress(parsing: bad) }
        }
    }

    @Test func atomicTextfileReplacesWholeFiles() throws {
        let dir = try TemporaryDirectoryScope()
        let path = dir.path("nstrace.prom")
        try AtomicFile.write(Array("a 1\n".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a 1\n")
        try AtomicFile.write(Array("b 2\n".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "b 2\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["nstrace.prom"])
        // An unwritable target fails and leaves nothing behind.
        #expect(throws: MetricsError.self) { try AtomicFile.write([1], to: dir.path("missing/x.prom")) }
        #expect(throws: MetricsError.self) { try AtomicFile.write([1], to: dir.url.path + "/") }
    }
}

/// A temporary directory removed when the test ends.
final class TemporaryDirectoryScope {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nstrace-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}
