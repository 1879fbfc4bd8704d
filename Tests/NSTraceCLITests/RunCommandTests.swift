import Foundation
import NSTraceTestSupport
import Testing

/// `nstrace run` end to end, as root, in real namespaces.
@Suite(.serialized) struct RunCommandTests {
    static var canRun: Bool { TestBinaries.canCreateNamespaces }
    static var nstrace: String { TestBinaries.path("nstrace") }

    func run(_ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        var env = environment ?? ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        return try runProgram(Self.nstrace, ["run"] + arguments, environment: env, timeout: 30)
    }

    func events(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not JSON: \($0)")
        }
    }

    func namespaceLink(_ type: String, pid: String = "self") throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(type)")
    }

    @Test(.enabled(if: canRun)) func aNewPIDNamespaceMakesTheCommandPIDOne() throws {
        let result = try run(["--ns", "pid", "--", "/bin/sh", "-c", "echo $$"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "1\n")
    }

    @Test(.enabled(if: canRun)) func theHostnameChangesInsideOnly() throws {
        let before = ProcessInfo.processInfo.hostName
        let result = try run(["--ns", "uts", "--hostname", "nstrace-test-box", "--", "/bin/hostname"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "nstrace-test-box\n")
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        #expect(String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) != "nstrace-test-box")
        #expect(ProcessInfo.processInfo.hostName == before)
    }

    @Test(.enabled(if: canRun)) func aNewNetworkNamespaceHasOnlyLoopback() throws {
        let result = try run(["--ns", "net", "--", "/bin/cat", "/proc/net/dev"])
        #expect(result.status == 0, "\(result.stderr)")
        let interfaces = result.stdout.split(separator: "\n").dropFirst(2).map {
            $0.split(separator: ":")[0].trimmingCharacters(in: .whitespaces)
        }
        #expect(interfaces == ["lo"])
    }

    /// Every namespace type, created for real: the command's namespace differs from ours.
    @Test(.enabled(if: canRun), arguments: ["pid", "net", "uts", "ipc", "mnt", "user", "cgroup", "time"])
    func createsEachNamespaceType(_ type: String) throws {
        // A new pid or time namespace applies to children, which the command is.
        let link = type == "pid" || type == "time" ? "\(type)" : type
        let result = try run(["--ns", type, "--", "/bin/readlink", "/proc/self/ns/\(link)"])
        #expect(result.status == 0, "\(result.stderr)")
        let inside = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(inside.hasPrefix("\(type):["))
        #expect(inside != (try namespaceLink(link)))
    }

    @Test(.enabled(if: canRun)) func writesUIDAndGIDMapsForANewUserNamespace() throws {
        let result = try run([
            "--ns", "user,pid,mnt", "--uid-map", "0:100000:65536", "--gid-map", "0:100000:65536", "--",
            "/bin/sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines == ["0 100000 65536", "0 100000 65536", "0", "0"])
    }

    @Test(.enabled(if: canRun)) func aTimeNamespaceGetsItsOffset() throws {
        let result = try run(["--ns", "time", "--time-offset", "boottime:86400", "--", "/bin/cat", "/proc/uptime"])
        #expect(result.status == 0, "\(result.stderr)")
        let inside = Double(result.stdout.split(separator: " ")[0]) ?? 0
        let outside = Double(try String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ")[0]) ?? 0
        #expect(inside - outside > 86_000 && inside - outside < 86_800)
    }

    @Test(.enabled(if: canRun)) func joinsAnExistingNetworkNamespace() throws {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        holder.arguments = ["--net", "/bin/sleep", "30"]
        try holder.run()
        let pid = holder.processIdentifier
        defer { kill(pid, SIGKILL); holder.waitUntilExit() }
        var target = try namespaceLink("net", pid: "\(pid)")
        for _ in 0..<200 where target == (try namespaceLink("net")) {  // until unshare(1) has unshared
            usleep(10_000)
            target = try namespaceLink("net", pid: "\(pid)")
        }
        #expect(target != (try namespaceLink("net")))
        let result = try run(["--ns", "none", "--join", "net=/proc/\(pid)/ns/net", "--", "/bin/readlink", "/proc/self/ns/net"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == target + "\n")
    }

    /// The parent's lines and the stages' reach the file in an order the collector reads as
    /// whole starts: `start` begins before the stages' lines and ends after them, so nothing
    /// is a late line and every start counts.
    @Test(.enabled(if: canRun)) func startsInOneFileAreWholeForTheCollector() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let trace = directory.path("trace.jsonl")
        for _ in 0..<3 { #expect(try run(["--trace", trace, "--", "/bin/true"]).status == 0) }
        #expect(try run(["--trace", trace, "--join", "net=/nonexistent", "--", "/bin/true"]).status == 125)
        let summary = try runProgram(Self.nstrace, ["summary", "--json", trace])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any])
        let starts = try #require(json["starts"] as? [String: Any])
        #expect(starts["ok"] as? Int == 3)
        #expect(starts["failed"] as? Int == 1)
        #expect(starts["incomplete"] as? Int == 0)
        #expect((json["rejected"] as? [Any])?.isEmpty ?? false, "\(json["rejected"] ?? "")")
        #expect(json["lines"] as? Int == json["events"] as? Int)
    }

    @Test(.enabled(if: canRun)) func aBadJoinPathFailsClearlyAndLeavesNoProcess() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let trace = directory.path("trace.jsonl")
        let result = try run(["--trace", trace, "--join", "net=/nonexistent/ns/net", "--", "/bin/true"])
        #expect(result.status == 125)
        // The parent only sees the init exit; the cause comes from the trace, through nstrace-collector.
        #expect(result.stderr.contains("cause: stage-1 ns_open ENOENT: failed to open /nonexistent/ns/net: No such file or directory"),
                "\(result.stderr)")
        let lines = try events(trace)
        let fatal = try #require(lines.first { $0["level"] as? String == "fatal" && $0["stage"] as? String == "stage-1" })
        #expect(fatal["step"] as? String == "ns_open")
        #expect(fatal["errno_name"] as? String == "ENOENT")
        #expect(fatal["path"] as? String == "/nonexistent/ns/net")
        // Every process of the start is gone.
        let pids = lines.compactMap { $0["pid"] as? Int } + lines.compactMap { $0["child_pid"] as? Int }
        #expect(!pids.isEmpty)
        for pid in Set(pids) where pid != Int(getpid()) {
            #expect(kill(pid_t(pid), 0) == -1 && errno == ESRCH, "process \(pid) of the failed start is still there")
        }
    }

    /// Without joins stage-1 holds its first lines back until stage-2 exists; a failing
    /// unshare must still write them, in order. The unshare fails for real: nstrace runs in a
    /// user namespace of ours whose uts namespace limit is 0 (ENOSPC), the host's is untouched.
    @Test(.enabled(if: canRun)) func aFailedUnshareStillWritesStageOnesHeldLines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let trace = directory.path("trace.jsonl")
        let script = "echo 0 > /proc/sys/user/max_uts_namespaces && exec \"$0\" run --ns uts --trace \"$1\" -- /bin/true"
        let result = try runProgram("/usr/bin/unshare", ["--user", "--map-root-user", "/bin/sh", "-c", script, Self.nstrace, trace],
                                    timeout: 30)
        #expect(result.status == 125, "\(result.stderr)")
        #expect(result.stderr.contains("cause: stage-1 unshare ENOSPC"), "\(result.stderr)")
        let stage1 = try events(trace).filter { $0["stage"] as? String == "stage-1" }.map {
            "\($0["kind"] ?? "") \($0["step"] ?? "") \($0["errno_name"] ?? "-")"
        }
        #expect(stage1 == ["begin stage-1 -", "end unshare ENOSPC", "end stage-1 ENOSPC"])
    }

    /// Lines stay atomic on a pipe: a 3000-byte path is cut, the line marked, nothing lost.
    @Test(.enabled(if: canRun)) func longStringsAreTruncatedToKeepLinesUnderPipeBuf() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let trace = directory.path("trace.jsonl")
        let path = "/nonexistent/" + String(repeating: "ü", count: 1500)  // 3000 bytes of UTF-8
        let result = try run(["--trace", trace, "--join", "net=\(path)", "--", "/bin/true"])
        #expect(result.status == 125)
        let text = try String(contentsOfFile: trace, encoding: .utf8)
        for line in text.split(separator: "\n") { #expect(line.utf8.count < 4096) }
        let lines = try events(trace)
        let fatal = try #require(lines.first { $0["level"] as? String == "fatal" && $0["stage"] as? String == "stage-1" })
        #expect(fatal["truncated"] as? Bool == true)
        let kept = try #require(fatal["path"] as? String)
        #expect(kept.utf8.count <= 1024 && path.hasPrefix(kept), "cut at a character boundary")
        #expect(fatal["errno_name"] as? String == "ENAMETOOLONG" || fatal["errno_name"] as? String == "ENOENT")
    }

    @Test(.enabled(if: canRun)) func honoursTraceparentAndWritesValidRuncLines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let trace = directory.path("trace.jsonl")
        var environment = ProcessInfo.processInfo.environment
        environment["TRACEPARENT"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let result = try run(["--trace", trace, "--", "/bin/true"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try events(trace)
        #expect(lines.count > 30)
        for line in lines {
            #expect(line["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(line["level"] is String && line["msg"] is String)
        }
        let root = try #require(lines.first { $0["step"] as? String == "start" && $0["kind"] as? String == "end" })
        #expect(root["parent_span_id"] as? String == "00f067aa0ba902b7")
        #expect(root["stage"] as? String == "parent")
        // Both sides of the start are in the one file.
        let stages = Set(lines.compactMap { $0["stage"] as? String })
        #expect(stages == ["parent", "setup", "stage-0", "stage-1", "stage-2"])
    }

    @Test(.enabled(if: canRun)) func appendsManyStartsToOneTraceFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let trace = directory.path("trace.jsonl")
        for _ in 0..<3 { #expect(try run(["--trace", trace, "--", "/bin/true"]).status == 0) }
        let ids = Set(try events(trace).compactMap { $0["trace_id"] as? String })
        #expect(ids.count == 3)
    }

    @Test(.enabled(if: canRun)) func theCommandInheritsOnlyStandardFDs() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let trace = directory.path("trace.jsonl")
        // nstrace itself inherits a stray fd 7 from its caller; the command must not.
        let wrapper = Process()
        wrapper.executableURL = URL(fileURLWithPath: "/bin/sh")
        wrapper.arguments = ["-c", "exec 7</etc/hostname; exec \"$0\" run --ns uts --trace \"$1\" -- /bin/sleep 5", Self.nstrace, trace]
        try wrapper.run()
        defer { wrapper.terminate(); wrapper.waitUntilExit() }
        var commandPID: Int?
        for _ in 0..<300 where commandPID == nil {
            usleep(10_000)
            let lines = (try? events(trace)) ?? []
            if lines.contains(where: { $0["step"] as? String == "start" && $0["kind"] as? String == "end" }) {
                commandPID = lines.first { $0["step"] as? String == "read_pids" && $0["kind"] as? String == "end" }?["stage2_pid"] as? Int
            }
        }
        let pid = try #require(commandPID)
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").sorted()
        #expect(fds == ["0", "1", "2"])
        let nstraceFDs = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(wrapper.processIdentifier)/fd")
        #expect(nstraceFDs.contains("7"), "the test's stray fd did not reach nstrace, so it proves nothing")
    }

    @Test(.enabled(if: canRun)) func exitStatusAndSignalsComeFromTheCommand() throws {
        #expect(try run(["--ns", "uts", "--", "/bin/sh", "-c", "exit 7"]).status == 7)
        let missing = try run(["--", "/nonexistent/command"])
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("failed to exec /nonexistent/command"))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.nstrace)
        process.arguments = ["run", "--ns", "uts", "--", "/bin/sleep", "30"]
        try process.run()
        usleep(300_000)
        process.terminate()  // SIGTERM to nstrace, forwarded to sleep
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + SIGTERM)
    }
}

/// The CLI's contract: help, usage errors, a stray init variable.
@Suite struct CLIContractTests {
    static var nstrace: String { TestBinaries.path("nstrace") }

    @Test func helpGoesToStdoutWithStatusZero() throws {
        for arguments in [["--help"], ["run", "--help"], ["summary", "--help"], ["timeline", "--help"]] {
            let result = try runProgram(Self.nstrace, arguments)
            #expect(result.status == 0, "\(arguments)")
            #expect(result.stdout.contains("nstrace"), "\(arguments)")
            #expect(result.stderr.isEmpty)
        }
    }

    @Test(arguments: [
        ["bogus"], [], ["run"], ["run", "--ns", "bogus", "--", "/bin/true"], ["run", "--ns", "pid", "--hostname", "x", "--", "/bin/true"],
        ["run", "--join", "net", "--", "/bin/true"], ["run", "--uid-map", "1:2", "--", "/bin/true"], ["run", "--bogus"],
        ["run", "--timeline=yes", "--", "/bin/true"],
    ])
    func usageErrorsGoToStderrWithStatus64(_ arguments: [String]) throws {
        let result = try runProgram(Self.nstrace, arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("error:"))
    }

    /// runc#4340: a stray _LIBCONTAINER_INITPIPE in a user's shell broke every runc command.
    @Test func aStrayInitPipeVariableDoesNotBreakTheCLI() throws {
        let result = try runProgram(Self.nstrace, ["--help"], environment: ["_LIBCONTAINER_INITPIPE": "1111a", "PATH": "/usr/bin:/bin"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Verbs:"))
    }
}
