import Foundation
import Testing
@testable import NSTraceCollector

/// Summary (text and JSON) and timeline output compared with Fixtures/golden/.
/// Fixtures: `run-*.jsonl` are written by hand in the exact format of docs/trace-format.md
/// (nstrace run did not exist yet when they were made); `synthetic-12.jsonl` is
/// `tools/gen-trace --starts 12 --seed 42 --concurrency 3 --fail 25 --incomplete 15 --runc-lines 1`.
@Suite("Golden output")
struct GoldenTests {
    static let traces = ["run-ok-all-namespaces", "run-failed-join", "run-sigkill-stage1", "synthetic-12"]

    @Test("summary text and JSON", arguments: traces)
    func summary(name: String) throws {
        let path = FixtureFiles.path(name + ".jsonl")
        let collector = Collector()
        try collector.read(path: path)
        collector.finish()
        let report = SummaryReport(aggregates: collector.aggregates, inputs: [name + ".jsonl"])
        try FixtureFiles.expectGolden(FixtureFiles.portable(report.text()), name + ".summary.txt")
        let json = FixtureFiles.portable(report.json())
        try FixtureFiles.expectGolden(json, name + ".summary.json")
        // The JSON is one valid document.
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((object?["starts"] as? [String: Any])?["total"] as? Int == Int(collector.aggregates.totalStarts))
    }

    @Test("timeline", arguments: traces)
    func timeline(name: String) throws {
        let model = try Timeline.model(tracePath: FixtureFiles.path(name + ".jsonl"), selection: .latest)
        try FixtureFiles.expectGolden(Timeline.render(model, columns: 100, colour: false), name + ".timeline.txt")
        let json = model.json()
        try FixtureFiles.expectGolden(json, name + ".timeline.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["trace_id"] as? String == model.traceID.description)
        #expect(object["outcome"] as? String == model.outcome.rawValue)
        let spans = (object["processes"] as? [[String: Any]] ?? []).flatMap { $0["spans"] as? [[String: Any]] ?? [] }
        #expect(spans.count == model.processes.reduce(0) { $0 + $1.steps.count + ($1.own == nil ? 0 : 1) })
        #expect(spans.allSatisfy { ($0["offset_ns"] as? Int ?? -1) >= 0 })
    }

    @Test("a failed start shows the failing step and errno in both views")
    func failureInBothViews() throws {
        let path = FixtureFiles.path("run-failed-join.jsonl")
        let collector = Collector()
        try collector.read(path: path)
        collector.finish()
        let text = SummaryReport(aggregates: collector.aggregates, inputs: [path]).text()
        #expect(text.contains("stage-1 ns_open ENOENT"))
        #expect(text.contains("failed to open /nonexistent: No such file or directory"))
        let timeline = try Timeline.render(tracePath: path, traceID: "c6e9be767092240a42cd82935c2e0d56", columns: 100, colour: false)
        #expect(timeline.contains("failed after"))
        #expect(timeline.contains("✗ ENOENT (errno 2): failed to open /nonexistent"))
        let failedRow = timeline.split(separator: "\n").first { $0.contains("ns_open net") }
        #expect(failedRow?.contains("✗") == true)
    }

    @Test("a SIGKILLed start shows as incomplete with its open step in both views")
    func incompleteInBothViews() throws {
        let path = FixtureFiles.path("run-sigkill-stage1.jsonl")
        let collector = Collector()
        try collector.read(path: path)
        collector.finish()
        let text = SummaryReport(aggregates: collector.aggregates, inputs: [path]).text()
        #expect(text.contains("1 incomplete"))
        #expect(text.contains("stage-1 ns_open"))
        let timeline = Timeline.render(try Timeline.model(tracePath: path, selection: .latest), columns: 100, colour: false)
        #expect(timeline.contains("incomplete after"))
        #expect(timeline.contains("the trace ends in stage-1 ns_open"))
        let openRow = timeline.split(separator: "\n").dropFirst().first { $0.contains("ns_open") }
        #expect(openRow?.contains("+?") == true)
        #expect(openRow?.hasSuffix("▶") == true)
    }

    @Test("selectors pick the slowest and the failed start; colour adds ANSI codes only when asked")
    func selectors() throws {
        let path = FixtureFiles.path("synthetic-12.jsonl")
        let collector = Collector()
        try collector.read(path: path)
        collector.finish()
        let slowest = try Timeline.model(tracePath: path, selection: .slowest)
        #expect(slowest.traceID == collector.aggregates.slowest.first?.traceID)
        let failed = try Timeline.model(tracePath: path, selection: .failed)
        #expect(failed.outcome == .failed)
        #expect(!Timeline.render(failed, columns: 80, colour: false).contains("\u{1b}["))
        #expect(Timeline.render(failed, columns: 80, colour: true).contains("\u{1b}[1;31m"))
        #expect(throws: Timeline.NoSuchStart.self) {
            try Timeline.render(tracePath: path, traceID: "00000000000000000000000000000000", columns: 80, colour: false)
        }
    }

    @Test("rows fit the terminal width")
    func width() throws {
        let model = try Timeline.model(tracePath: FixtureFiles.path("run-ok-all-namespaces.jsonl"), selection: .latest)
        for columns in [60, 100, 160] {
            let rows = Timeline.render(model, columns: columns, colour: false).split(separator: "\n").dropFirst()
            #expect(rows.allSatisfy { $0.count <= max(columns, 97) }, "columns \(columns)")
        }
    }

    @Test("the generator is deterministic: it reproduces synthetic-12.jsonl byte for byte")
    func generatorReproducesFixture() throws {
        let generator = FixtureFiles.directory.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tools/gen-trace").path
        let output = try FixtureFiles.temporary("", name: "regenerated.jsonl")
        let result = try runTool(generator, ["--starts", "12", "--seed", "42", "--concurrency", "3", "--fail", "25",
                                             "--incomplete", "15", "--runc-lines", "1", "-o", output])
        #expect(result == 0)
        let expected = try Data(contentsOf: URL(fileURLWithPath: FixtureFiles.path("synthetic-12.jsonl")))
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == expected)
    }

    private func runTool(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
