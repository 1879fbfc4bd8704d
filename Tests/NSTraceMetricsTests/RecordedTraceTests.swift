import Foundation
import NSTraceTestSupport
import Testing

/// `nstrace metrics` on traces recorded by `nstrace run`: the collector's checked-in
/// fixtures, and fresh starts when `nstrace run` works on this machine.
@Suite struct RecordedTraceTests {
    static let fixtures = TestBinaries.packageRoot.appendingPathComponent("Tests/NSTraceCollectorTests/Fixtures")
    static let nstrace = TestBinaries.path("nstrace")

    static var fixtureFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted().map { fixtures.appendingPathComponent($0).path }
    }

    /// Both formats of every fixture, one by one and all together, pass promtool and the
    /// strict parser; the 0.0.4 and OpenMetrics texts hold the same samples.
    @Test(.enabled(if: !fixtureFiles.isEmpty, "the collector's fixtures are checked in"))
    func fixturesPassBothValidators() throws {
        for files in Self.fixtureFiles.map({ [$0] }) + [Self.fixtureFiles] {
            let prom = try runProgram(Self.nstrace, ["metrics"] + files)
            #expect(prom.status == 0, "\(files): \(prom.stderr)")
            let lint = try Validators.promtool(prom.stdout)
            #expect(lint.status == 0, "\(files): \(lint.output)")
            let om = try runProgram(Self.nstrace, ["metrics", "--openmetrics"] + files)
            let strict = try Validators.pythonSamples(om.stdout, openMetrics: true)
            #expect(strict.status == 0, "\(files): \(strict.output)")
            let lenient = try Validators.pythonSamples(prom.stdout, openMetrics: false)
            let samples = { (text: String) in
                text.split(separator: "\n").map { String($0.split(separator: " ", maxSplits: 1)[1]) }.sorted()
            }
            #expect(samples(strict.output) == samples(lenient.output), "\(files)")
        }
        // The failed fixture shows its failure by step and errno.
        if let failed = Self.fixtureFiles.first(where: { $0.hasSuffix("run-failed-join.jsonl") }) {
            let prom = try runProgram(Self.nstrace, ["metrics", failed])
            #expect(sampleValue(prom.stdout, #"nstrace_starts_total{result="failed"}"#) == 1)
            #expect(prom.stdout.contains("nstrace_step_failures_total{"))
        }
    }

    static var runWorks: Bool {
        guard FileManager.default.isExecutableFile(atPath: nstrace), getuid() == 0 else { return false }
        let dir = NSTemporaryDirectory() + "nstrace-probe-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try? runProgram(nstrace, ["run", "--ns", "pid,uts", "--trace", dir, "--", "/bin/true"], timeout: 20)
        return result?.status == 0
    }

    /// Fresh `nstrace run` starts, some failing, appended to one file.
    @Test(.enabled(if: runWorks, "nstrace run works here"))
    func freshRunsPassBothValidators() throws {
        let dir = try TemporaryDirectoryScope()
        let trace = dir.path("runs.jsonl")
        for _ in 0..<5 {
            let ok = try runProgram(Self.nstrace, ["run", "--ns", "pid,uts", "--trace", trace, "--", "/bin/true"])
            #expect(ok.status == 0, "\(ok.stderr)")
        }
        for _ in 0..<2 {
            let bad = try runProgram(Self.nstrace, ["run", "--join", "net=/nonexistent", "--trace", trace, "--",
                                                    "/bin/true"])
            #expect(bad.status != 0)
        }
        let prom = try runProgram(Self.nstrace, ["metrics", trace])
        #expect(sampleValue(prom.stdout, #"nstrace_starts_total{result="ok"}"#) == 5)
        #expect(sampleValue(prom.stdout, #"nstrace_starts_total{result="failed"}"#) == 2)
        #expect(try Validators.promtool(prom.stdout).status == 0)
        let om = try runProgram(Self.nstrace, ["metrics", "--openmetrics", trace])
        let strict = try Validators.pythonSamples(om.stdout, openMetrics: true)
        #expect(strict.status == 0, "\(strict.output)")
    }
}
