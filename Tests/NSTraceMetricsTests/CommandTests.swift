import Foundation
import NSTraceTestSupport
import Testing

/// A running `nstrace serve`, stopped by the test.
/// @unchecked: the stderr text is only touched under `lock`; the rest is set before use.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    private let stderrPipe = Pipe()
    private let lock = NSLock()
    private var stderrText = ""
    private(set) var port: UInt16 = 0

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: TestBinaries.path("nstrace"))
        process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        stderrPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.stderrText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let found = eventually(timeout: 10) { self.parsePort() != nil }
        guard found, let port = parsePort() else {
            process.terminate()
            throw HTTPTestClient.Failure.timeout("serve did not report its port: \(stderr)")
        }
        self.port = port
    }

    var stderr: String { lock.withLock { stderrText } }

    private func parsePort() -> UInt16? {
        let text = stderr
        guard let range = text.range(of: "listening on http://127.0.0.1:") else { return nil }
        return UInt16(text[range.upperBound...].prefix { $0.isNumber })
    }

    func metrics(accept: String? = nil) throws -> String {
        try HTTPTestClient.request(port: port, path: "/metrics", headers: accept.map { ["Accept": $0] } ?? [:]).body
    }

    /// Sends `signal` and waits (bounded) for the exit status.
    func stop(_ signal: Int32 = SIGTERM, timeout: Double = 10) -> Int32? {
        kill(process.processIdentifier, signal)
        guard eventually(timeout: timeout, { !process.isRunning }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

func sampleValue(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.split(separator: " ").last!)
    }
    return nil
}

@Suite(.serialized) struct CommandTests {
    let nstrace = TestBinaries.path("nstrace")

    private func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func metricsPrintsBothFormatsFromFilesAndStdin() throws {
        let dir = try TemporaryDirectoryScope()
        var generator = SyntheticTraces(seed: 11)
        try generator.trace(ok: 5, failed: 2, incomplete: 1).write(toFile: dir.path("a.jsonl"), atomically: true,
                                                                   encoding: .utf8)
        try generator.trace(ok: 3, failed: 0, incomplete: 0).write(toFile: dir.path("b.jsonl"), atomically: true,
                                                                   encoding: .utf8)
        let prom = try runProgram(nstrace, ["metrics", dir.path("a.jsonl"), dir.path("b.jsonl")])
        #expect(prom.status == 0, "\(prom.stderr)")
        #expect(sampleValue(prom.stdout, #"nstrace_starts_total{result="ok"}"#) == 8)
        #expect(sampleValue(prom.stdout, #"nstrace_starts_total{result="failed"}"#) == 2)
        #expect(sampleValue(prom.stdout, #"nstrace_starts_total{result="incomplete"}"#) == 1)
        #expect(try Validators.promtool(prom.stdout).status == 0)

        let om = try runProgram(nstrace, ["metrics", "--openmetrics", "-"],
                                stdin: try Data(contentsOf: dir.url.appendingPathComponent("a.jsonl")))
        #expect(om.status == 0, "\(om.stderr)")
        #expect(om.stdout.hasSuffix("# EOF\n"))
        #expect(sampleValue(om.stdout, #"nstrace_starts_total{result="ok"}"#) == 5)
        let strict = try Validators.pythonSamples(om.stdout, openMetrics: true)
        #expect(strict.status == 0, "\(strict.output)")

        let textfile = dir.path("nstrace.prom")
        let written = try runProgram(nstrace, ["metrics", "--textfile", textfile, dir.path("a.jsonl")])
        #expect(written.status == 0 && written.stdout.isEmpty)
        let content = try String(contentsOfFile: textfile, encoding: .utf8)
        #expect(sampleValue(content, #"nstrace_starts_total{result="failed"}"#) == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test(arguments: [
        (["metrics"], Int32(64), "no trace file"),
        (["metrics", "--bogus", "x"], 64, "unknown option"),
        (["metrics", "--openmetrics=yes", "x"], 64, "takes no value"),
        (["metrics", "-", "-"], 64, "only once"),
        (["metrics", "/nonexistent/trace.jsonl"], 1, "cannot read"),
        (["serve", "--listen", "nope"], 64, "ADDR:PORT"),
        (["serve", "--listen", "127.0.0.1:70000"], 64, "port"),
        (["serve", "stray"], 64, "unexpected argument"),
        (["serve", "--idle-timeout", "-1"], 64, "idle-timeout"),
        (["serve", "--watch"], 64, "needs a value"),
    ])
    func badInvocations(arguments: [String], status: Int32, message: String) throws {
        let result = try runProgram(nstrace, arguments, timeout: 10)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func metricsTextfileIntoMissingDirectoryFails() throws {
        let dir = try TemporaryDirectoryScope()
        try "".write(toFile: dir.path("empty.jsonl"), atomically: true, encoding: .utf8)
        let result = try runProgram(nstrace, ["metrics", "--textfile", dir.path("no/such.prom"), dir.path("empty.jsonl")])
        #expect(result.status == 1 && result.stderr.contains("cannot create a temporary file"), "\(result.stderr)")
    }

    @Test func serveRefusesABusyAddress() throws {
        let first = try ServeProcess([])
        defer { _ = first.stop() }
        let second = try runProgram(nstrace, ["serve", "--listen", "127.0.0.1:\(first.port)"], timeout: 10)
        #expect(second.status == 1)
        #expect(second.stderr.contains("Address already in use"), "\(second.stderr)")
    }

    /// The watched file grows, is rotated and truncated; a watched directory gains a file;
    /// counters only go up; SIGTERM and SIGINT stop the server cleanly.
    @Test func serveFollowsFilesLikeTailF() throws {
        let dir = try TemporaryDirectoryScope()
        let file = dir.path("trace.jsonl")
        let traceDir = dir.path("more")
        try FileManager.default.createDirectory(atPath: traceDir, withIntermediateDirectories: false)
        var generator = SyntheticTraces(seed: 5)
        try append(generator.trace(ok: 4, failed: 1, incomplete: 0), to: file)
        let serve = try ServeProcess(["--watch", file, traceDir])

        func starts(_ result: String) throws -> Double {
            sampleValue(try serve.metrics(), #"nstrace_starts_total{result="\#(result)"}"#) ?? -1
        }
        #expect(try eventually(timeout: 5) { try starts("ok") == 4 && starts("failed") == 1 })

        // Appended in two halves, the first ending mid-line.
        let more = generator.trace(ok: 3, failed: 2, incomplete: 0)
        let cut = more.index(more.startIndex, offsetBy: more.count / 2)
        try append(String(more[..<cut]), to: file)
        usleep(300_000)
        try append(String(more[cut...]), to: file)
        #expect(try eventually(timeout: 5) { try starts("ok") == 7 && starts("failed") == 3 })

        // Rotation: the old file renamed, a new one created.
        #expect(rename(file, file + ".1") == 0)
        try append(generator.trace(ok: 2, failed: 0, incomplete: 0), to: file)
        #expect(try eventually(timeout: 5) { try starts("ok") == 9 })

        // Truncation: the file emptied and rewritten; nothing goes backwards.
        let fd = open(file, O_WRONLY | O_TRUNC)
        close(fd)
        usleep(300_000)
        #expect(try starts("ok") == 9)
        try append(generator.trace(ok: 1, failed: 1, incomplete: 0), to: file)
        #expect(try eventually(timeout: 5) { try starts("ok") == 10 && starts("failed") == 4 })

        // A new file in the watched directory.
        try append(generator.trace(ok: 5, failed: 0, incomplete: 0), to: traceDir + "/new.jsonl")
        #expect(try eventually(timeout: 5) { try starts("ok") == 15 })

        // OpenMetrics through negotiation, valid for the strict parser.
        let om = try serve.metrics(accept: "application/openmetrics-text; version=1.0.0")
        let strict = try Validators.pythonSamples(om, openMetrics: true)
        #expect(strict.status == 0, "\(strict.output)")
        #expect(try Validators.promtool(try serve.metrics()).status == 0)

        #expect(serve.stop(SIGTERM) == 0)
        #expect(serve.stderr.contains("stopped (SIGTERM)"), "\(serve.stderr)")

        let again = try ServeProcess(["--watch", file])
        #expect(again.stop(SIGINT) == 0)
        #expect(again.stderr.contains("stopped (SIGINT)"))
    }

    /// A file that appears after the server started is followed, with a warning first.
    @Test func serveWaitsForAMissingFile() throws {
        let dir = try TemporaryDirectoryScope()
        let file = dir.path("later.jsonl")
        let serve = try ServeProcess(["--watch", file])
        defer { _ = serve.stop() }
        #expect(eventually(timeout: 3) { serve.stderr.contains("does not exist (yet)") })
        var generator = SyntheticTraces(seed: 9)
        try append(generator.trace(ok: 2, failed: 0, incomplete: 0), to: file)
        #expect(try eventually(timeout: 5) {
            sampleValue(try serve.metrics(), #"nstrace_starts_total{result="ok"}"#) == 2
        })
        let health = try HTTPTestClient.request(port: serve.port, path: "/healthz")
        #expect(health.status == 200)
    }

    /// Idle starts are finalized as incomplete after `--idle-timeout`.
    @Test func serveFinalizesIdleStarts() throws {
        let dir = try TemporaryDirectoryScope()
        let file = dir.path("t.jsonl")
        var generator = SyntheticTraces(seed: 13)
        try append(generator.trace(ok: 1, failed: 0, incomplete: 2), to: file)
        let serve = try ServeProcess(["--watch", file, "--idle-timeout", "1"])
        defer { _ = serve.stop() }
        #expect(try eventually(timeout: 8) {
            sampleValue(try serve.metrics(), #"nstrace_starts_total{result="incomplete"}"#) == 2
        })
        #expect(sampleValue(try serve.metrics(), "nstrace_open_starts") == 0)
    }
}
