import Foundation
import NSTraceTestSupport
import Testing

/// `nstrace summary` and `nstrace timeline` as a user runs them (the built binary;
/// NSTRACE_BUILD_DIR points at a --scratch-path build).
@Suite("summary and timeline commands")
struct CommandTests {
    let nstrace = TestBinaries.path("nstrace")
    let environment = ["NO_COLOR": "1", "COLUMNS": "100", "PATH": "/usr/bin:/bin"]

    @Test("--help goes to stdout with status 0")
    func help() throws {
        for verb in ["summary", "timeline"] {
            let result = try runProgram(nstrace, [verb, "--help"], environment: environment)
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix("Usage: nstrace \(verb)"))
            #expect(result.stderr.isEmpty)
        }
    }

    @Test("usage errors exit 64 with a hint", arguments: [
        ["summary"], ["summary", "--bogus", "x"], ["summary", "--json=yes", "x"], ["summary", "-", "-"],
        ["timeline"], ["timeline", "a", "b"], ["timeline", "x", "--trace", "nothex"], ["timeline", "x", "--slowest", "--failed"],
        ["timeline", "x", "--json", "--cause"],
    ])
    func usageErrors(arguments: [String]) throws {
        let result = try runProgram(nstrace, arguments, environment: environment)
        #expect(result.status == 64)
        #expect(result.stderr.contains("error:"))
        #expect(result.stderr.contains("See 'nstrace \(arguments[0]) --help'"))
        #expect(result.stdout.isEmpty)
    }

    @Test("an unreadable file exits 1 naming it")
    func unreadable() throws {
        for verb in ["summary", "timeline"] {
            let result = try runProgram(nstrace, [verb, "/nonexistent/trace.jsonl"], environment: environment)
            #expect(result.status == 1)
            #expect(result.stderr.contains("cannot read '/nonexistent/trace.jsonl'"))
        }
    }

    @Test("summary reads stdin and several files; --json is one document")
    func stdinAndFiles() throws {
        let ok = FixtureFiles.path("run-ok-all-namespaces.jsonl"), failed = FixtureFiles.path("run-failed-join.jsonl")
        let stdin = try Data(contentsOf: URL(fileURLWithPath: failed))
        let result = try runProgram(nstrace, ["summary", "--json", ok, "-"], environment: environment, stdin: stdin)
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let starts = object?["starts"] as? [String: Any]
        #expect(starts?["ok"] as? Int == 1)
        #expect(starts?["failed"] as? Int == 1)
        #expect(object?["inputs"] as? [String] == [ok, "-"])
        let text = try runProgram(nstrace, ["summary", ok, failed], environment: environment)
        #expect(text.stdout.hasPrefix("Starts: 2  1 ok, 1 failed, 0 incomplete"))
        #expect(!text.stdout.contains("\u{1b}["), "no colour without a terminal")
    }

    @Test("an unknown schema version is an error naming file:line, after the report")
    func unknownVersion() throws {
        let line = try String(contentsOfFile: FixtureFiles.path("run-ok-all-namespaces.jsonl"), encoding: .utf8)
            .split(separator: "\n")[0].replacingOccurrences(of: #""v":1"#, with: #""v":7"#)
        let path = try FixtureFiles.temporary(line + "\n")
        let result = try runProgram(nstrace, ["summary", path], environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(path):1: unsupported trace schema version (v=7)"))
        #expect(result.stdout.contains("unknown schema version"))
    }

    @Test("timeline selects by trace id and shows the failure")
    func timelineByTrace() throws {
        let path = FixtureFiles.path("synthetic-12.jsonl")
        let failed = try runProgram(nstrace, ["timeline", path, "--failed"], environment: environment)
        #expect(failed.status == 0)
        #expect(failed.stdout.contains("failed after"))
        #expect(failed.stdout.contains("✗"))
        let traceID = String(failed.stdout.split(separator: " ")[1])
        let byID = try runProgram(nstrace, ["timeline", "--trace", traceID, path], environment: environment)
        #expect(byID.stdout == failed.stdout)
        let missing = try runProgram(nstrace, ["timeline", path, "--trace=" + String(repeating: "0", count: 32)],
                                     environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no start with trace id"))
    }

    @Test("timeline --cause prints the failed step in one line, nothing for an ok start")
    func timelineCause() throws {
        let failed = try runProgram(nstrace, ["timeline", FixtureFiles.path("run-failed-join.jsonl"), "--cause"],
                                    environment: environment)
        #expect(failed.status == 0)
        #expect(failed.stdout.hasPrefix("stage-1 ns_open ENOENT: failed to open "), "\(failed.stdout)")
        #expect(failed.stdout.filter { $0 == "\n" }.count == 1)
        let ok = try runProgram(nstrace, ["timeline", FixtureFiles.path("run-ok-all-namespaces.jsonl"), "--cause"],
                                environment: environment)
        #expect(ok.status == 0)
        #expect(ok.stdout.isEmpty)
    }
}
