import Foundation
import NSTraceCore
import NSTraceTestSupport
import Testing

/// The constructor on its own, driven with raw bytes like runc drives `runc init`.
@Suite(.serialized) struct ConstructorTests {
    static let flags = UInt32(0x6c02_0000)  // pid, net, uts, ipc, mnt

    static var canRun: Bool { TestBinaries.canCreateNamespaces }

    /// Each malformed message is rejected before any namespace is touched, with its own message.
    @Test(.enabled(if: canRun), arguments: [
        ("short header", Array(RawMessage().bytes.prefix(9)), "short netlink header: got 9 of 16 bytes"),
        ("nla_len < 4", { var m = RawMessage(); m.attribute(27281, length: 2, [0, 0, 0, 0]); return m.bytes }(),
         "has nla_len 2 < 4"),
        ("past the end", { var m = RawMessage(); m.attribute(27282, length: 200, Array("net:/x\0".utf8)); return m.bytes }(),
         "runs past the end of the message"),
        ("unknown attribute", { var m = RawMessage(); m.attribute(27999, [1, 0, 0, 0]); return m.bytes }(),
         "unknown netlink attribute type 27999"),
        ("wrong type", { var m = RawMessage(); m.type = 61999; m.attribute(27281, [0, 0, 0, 0]); return m.bytes }(),
         "unexpected netlink message type 61999 (want 62000)"),
        ("length below header", { var m = RawMessage(); m.lengthOverride = 8; return m.bytes }(),
         "shorter than its 16-byte header"),
        ("not NUL-terminated", { var m = RawMessage(); m.attribute(27283, Array("0 0 1".utf8)); return m.bytes }(),
         "is not NUL-terminated"),
        ("clone flags of 2 bytes", { var m = RawMessage(); m.attribute(27281, [1, 2]); return m.bytes }(),
         "payload is 2 bytes, want 4"),
    ])
    func rejectsMalformedBootstrapData(_ name: String, _ bytes: [UInt8], _ expected: String) throws {
        let outcome = try InitHarness.run(message: bytes, endOfInput: true)
        #expect(outcome.initStatus == 1, "\(name)")
        #expect(outcome.reply == nil)
        let fatal = try #require(outcome.fatal.first, "\(name): no fatal event in \(outcome.lines)")
        #expect((fatal["error"] as? String)?.contains(expected) == true, "\(name): \(fatal)")
        #expect(["bootstrap_read", "bootstrap_parse"].contains(fatal["step"] as? String))
        #expect(fatal["outcome"] as? String == "error")
        // Nothing past parsing ran: no clone, no namespace step.
        #expect(outcome.events(step: "clone_stage1").isEmpty)
    }

    /// A namespace path is untrusted bytes; the trace must stay strict UTF-8 (simdjson rejects
    /// a line with a surrogate or an overlong form), so such bytes become '?'.
    @Test(.enabled(if: canRun)) func invalidUTF8InAPathIsReplaced() throws {
        var message = RawMessage()
        message.attribute(27281, [0, 0, 0, 0])
        message.attribute(27282, Array("net:/nonexistent/".utf8) + [0xed, 0xa0, 0x80, 0xc0, 0xaf, 0x00])
        let outcome = try InitHarness.run(message: message.bytes)
        let fatal = try #require(outcome.fatal.first { $0["step"] as? String == "ns_open" })
        #expect(fatal["path"] as? String == "/nonexistent/?????")
        #expect((fatal["msg"] as? String)?.contains("/nonexistent/?????") == true, "\(fatal)")
    }

    @Test(.enabled(if: canRun)) func acceptsRuncsWorkedExampleUnchanged() throws {
        // The §2.4 bytes parse; its oom_score_adj of -999 then fails here for want of
        // CAP_SYS_RESOURCE (machine-notes.md), which must be the clear failure.
        let outcome = try InitHarness.run(message: BootstrapDataTests.runcExample)
        let parse = try #require(outcome.events(step: "bootstrap_parse").first)
        #expect(parse["outcome"] as? String == "ok")
        #expect(parse["flags"] as? String == "0x7e020000")
        #expect(parse["flag_names"] as? String == "user,mnt,uts,ipc,pid,net,cgroup")
        let oom = try #require(outcome.events(step: "oom_score_adj").first)
        if oom["outcome"] as? String == "error" {
            #expect(oom["errno_name"] as? String == "EACCES")
            #expect(outcome.initStatus == 1)
        }

        // The same message with a score we may set starts for real: maps written by stage-0.
        var data = BootstrapDataTests.runcExampleData
        data.oomScoreAdj = 500
        let started = try InitHarness.run(message: data.message.bytes)
        #expect(started.initStatus == 0, "\(started.fatal)")
        #expect(started.commandStatus == 0)
        let uidMap = try #require(started.events(step: "uid_map").first)
        #expect(uidMap["bytes"] as? Int == 15)
        #expect((uidMap["path"] as? String)?.hasSuffix("/uid_map") == true)
        #expect(started.events(step: "gid_map").first?["outcome"] as? String == "ok")
    }

    /// The constructor formats messages without printf; they must read as printf would write
    /// them, with runc's "nsexec-N[PID]: " prefix, and a map's newline must survive escaping.
    @Test(.enabled(if: canRun)) func messagesReadAsRuncWritesThem() throws {
        var data = BootstrapDataTests.runcExampleData
        data.oomScoreAdj = 500
        let outcome = try InitHarness.run(message: data.message.bytes)
        #expect(outcome.initStatus == 0, "\(outcome.fatal)")
        for event in outcome.events {
            let stage = try #require(event["stage"] as? String)
            let pid = try #require(event["ns_pid"] as? Int)
            let prefix = stage == "setup" ? "nsexec[\(pid)]: " : "nsexec-\(stage.last!)[\(pid)]: "
            #expect((event["msg"] as? String)?.hasPrefix(prefix) == true, "\(event)")
        }
        let clone = try #require(outcome.events(step: "clone_stage1").first)
        let child = try #require(clone["child_pid"] as? Int)
        #expect((clone["msg"] as? String)?.hasSuffix(": spawn stage-1 (\(child))") == true)
        let parse = try #require(outcome.events(step: "bootstrap_parse").first)
        #expect((parse["msg"] as? String)?.contains("clone flags 0x7e020000, namespaces to join ''") == true)
        let read = try #require(outcome.events(step: "bootstrap_read").first { $0["kind"] as? String == "end" })
        let bytes = try #require(read["bytes"] as? Int)
        #expect(bytes == data.message.bytes.count)
        #expect((read["msg"] as? String)?.hasSuffix(": read \(bytes) bytes of bootstrap data") == true)
        let uidMap = try #require(outcome.events(step: "uid_map").first)
        #expect((uidMap["msg"] as? String)?.hasSuffix("/uid_map to '0 100000 65536\n'") == true, "\(uidMap)")
    }

    /// An init still waiting for its bootstrap data has said so: the begin of the read is out
    /// before the read blocks. Data already waiting cannot block: the read then has only its
    /// end, and setup's lines are written after stage-1 is cloned. Either way every line
    /// carries the time of its step, and the lines of a process are in the order of `seq`.
    @Test(.enabled(if: canRun), arguments: [InitHarness.Sending.afterFirstLine, .beforeSpawn])
    func setupEventsKeepTheirPlaceAndTimes(sending: InitHarness.Sending) throws {
        let outcome = try InitHarness.run(message: InitHarness.message(create: NamespaceSet(rawValue: Self.flags)), sending: sending)
        #expect(outcome.initStatus == 0)
        func event(_ step: String, _ kind: String) -> [String: Any]? {
            outcome.events.first { $0["step"] as? String == step && $0["kind"] as? String == kind }
        }
        let mono = { (event: [String: Any]) in UInt64(event["mono_ns"] as? String ?? "") ?? 0 }
        let start = { (event: [String: Any]) in mono(event) - UInt64(event["dur_ns"] as? Int ?? -1) }
        let stage = try #require(event("stage-0", "begin"))
        let readEnd = try #require(event("bootstrap_read", "end"))
        let parse = try #require(event("bootstrap_parse", "end"))
        let clone = try #require(event("clone_stage1", "end"))
        let readBegin = event("bootstrap_read", "begin")
        let setup = [stage] + (readBegin.map { [$0] } ?? []) + [readEnd, parse]
        #expect(setup.map { $0["seq"] as? Int } == Array(1...setup.count))
        #expect(mono(stage) <= start(readEnd) && mono(readEnd) <= start(parse) && mono(parse) <= start(clone))
        if sending == .afterFirstLine {
            // The read waited for the data, and its begin was out while it did.
            #expect(outcome.wroteWhileWaiting)
            #expect(readBegin.map(mono) == start(readEnd))
            #expect((readEnd["dur_ns"] as? Int ?? 0) > 0)
        } else {
            #expect(readBegin == nil)
        }
    }

    @Test(.enabled(if: canRun)) func repliesWithThePIDsAndStartsTheCommand() throws {
        let outcome = try InitHarness.run(message: InitHarness.message(create: NamespaceSet(rawValue: Self.flags)))
        #expect(outcome.initStatus == 0)
        let reply = try #require(outcome.reply)
        #expect(reply.hasPrefix("{\"stage1_pid\":") && reply.contains(",\"stage2_pid\":"))
        #expect(outcome.execReply.isEmpty, "exec failed: \(outcome.execReply)")
        #expect(outcome.commandStatus == 0)
        let steps = Set(outcome.events.compactMap { $0["step"] as? String })
        for step in ["stage-0", "bootstrap_read", "bootstrap_parse", "clone_stage1", "stage-1", "unshare",
                     "clone_stage2", "send_pid", "recv_pid", "send_pids", "stage-2", "grandchild_wait", "setsid",
                     "exec_read", "exec"] {
            #expect(steps.contains(step), "missing step \(step)")
        }
    }

    @Test(.enabled(if: canRun)) func everyLineIsRuncCompatibleJSONUnderPipeBuf() throws {
        let outcome = try InitHarness.run(message: InitHarness.message(create: NamespaceSet(rawValue: Self.flags)))
        #expect(outcome.lines.count > 20)
        for line in outcome.lines {
            #expect(line.utf8.count < 4096)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(object["level"] is String && object["msg"] is String)
            #expect(object["v"] as? Int == 1)
            #expect((object["trace_id"] as? String)?.count == 32)
            #expect((object["span_id"] as? String)?.count == 16)
            #expect(object["mono_ns"] is String && object["wall_ns"] is String)
            if object["kind"] as? String == "end" { #expect(object["dur_ns"] is Int && object["outcome"] is String) }
        }
        // Spans nest: every stage span's parent is the span of the stage that cloned it.
        let stage = { (name: String) in outcome.events.first { $0["step"] as? String == name && $0["kind"] as? String == "begin" } }
        #expect(stage("stage-1")?["parent_span_id"] as? String == stage("stage-0")?["span_id"] as? String)
        #expect(stage("stage-2")?["parent_span_id"] as? String == stage("stage-1")?["span_id"] as? String)
        // stage-2 reports both pids once it knows its host pid.
        let setsid = try #require(outcome.events(step: "setsid").first)
        #expect(setsid["ns_pid"] as? Int == 1)
        #expect((setsid["pid"] as? Int ?? 0) > 1)
    }

    @Test(.enabled(if: canRun)) func honoursTraceparent() throws {
        let outcome = try InitHarness.run(
            message: InitHarness.message(create: []),
            environment: ["TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"])
        #expect(outcome.initStatus == 0)
        #expect(!outcome.events.isEmpty)
        #expect(outcome.events.allSatisfy { $0["trace_id"] as? String == "0af7651916cd43dd8448eb211c80319c" })
        let root = outcome.events.first { $0["step"] as? String == "stage-0" }
        #expect(root?["parent_span_id"] as? String == "b7ad6b7169203331")
    }

    @Test(.enabled(if: canRun), arguments: [InitHarness.LogMode.readerClosed, .full, .none, .garbageVariable])
    func aBrokenLogNeverBreaksTheStart(_ mode: InitHarness.LogMode) throws {
        let outcome = try InitHarness.run(message: InitHarness.message(create: NamespaceSet(rawValue: Self.flags)), log: mode)
        #expect(outcome.initStatus == 0)
        #expect(outcome.reply != nil)
        #expect(outcome.commandStatus == 0)
        if mode == .full {
            // Nothing fits, so every event is lost and none blocks.
            #expect(outcome.lines.allSatisfy { !$0.contains("\"v\":1") })
        }
    }

    @Test(.enabled(if: canRun)) func lostEventsAreCountedOnLaterLines() throws {
        // A full pipe: every line is lost until the test drains it. stage-2 writes lines
        // before it signals stage-0 (which then exits) and more after the exec request, which
        // is sent after the drain: those later lines must report what it lost.
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        #expect(fcntl(fds[1], 1031 /* F_SETPIPE_SZ */, 4096) == 4096)
        let filler = [UInt8](repeating: 0x20, count: 4096)
        #expect(write(fds[1], filler, filler.count) == 4096)
        let process = try InitProcess.spawn(
            path: InitHarness.initPath, environment: ["_LIBCONTAINER_INITPIPE=3", "_LIBCONTAINER_LOGPIPE=4"], logFD: fds[1])
        close(fds[1])
        try FileDescriptorIO.sendAll(process.socket, InitHarness.message(create: []))
        let reply = try FileDescriptorIO.readLine(process.socket)
        #expect(reply != nil)
        let pids = try JSONSerialization.jsonObject(with: Data(reply!)) as! [String: Int]
        _ = InitProcess.wait(pid_t(pids["stage1_pid"]!))
        #expect(InitProcess.wait(process.pid) == 0)
        var buffer = [UInt8](repeating: 0, count: 65536)
        #expect(read(fds[0], &buffer, buffer.count) == 4096, "every line before the drain was lost")
        try FileDescriptorIO.sendAll(process.socket, ExecRequest(arguments: ["/bin/true"], environment: []).message.bytes)
        #expect(InitProcess.wait(pid_t(pids["stage2_pid"]!)) == 0)
        close(process.socket)
        var rest = [UInt8]()
        while true {
            let got = read(fds[0], &buffer, buffer.count)
            if got <= 0 { break }
            rest += buffer[..<got]
        }
        close(fds[0])
        let lines = String(decoding: rest, as: UTF8.self).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let lost = lines.filter { $0["stage"] as? String == "stage-2" }.compactMap { $0["lost"] as? Int }
        #expect(lines.contains { $0["step"] as? String == "exec" }, "stage-2's lines after the drain arrived")
        #expect(!lost.isEmpty && lost.allSatisfy { $0 > 0 }, "stage-2's later lines report what it lost")
    }

    @Test(.enabled(if: canRun)) func aBadInitPipeVariableFailsClearly() throws {
        let result = try runProgram(InitHarness.initPath, [], environment: ["_LIBCONTAINER_INITPIPE": "garbage"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("unable to use _LIBCONTAINER_INITPIPE=garbage"))
        let plain = try runProgram(InitHarness.initPath, [], environment: [:])
        #expect(plain.status == 64)
        #expect(plain.stderr.contains("nstrace run"))
    }

    @Test(.enabled(if: canRun)) func aFailedExecIsReportedToTheParent() throws {
        let outcome = try InitHarness.run(
            message: InitHarness.message(create: []),
            exec: ExecRequest(arguments: ["/nonexistent/command"], environment: []))
        #expect(outcome.execReply.count == 4)
        let code = outcome.execReply.withUnsafeBytes { $0.load(as: Int32.self) }
        #expect(code == ENOENT)
        #expect(outcome.commandStatus == 127)
        let fatal = try #require(outcome.fatal.first)
        #expect(fatal["step"] as? String == "exec")
        #expect(fatal["errno_name"] as? String == "ENOENT")
        // stage-2's span ended once, before execve; the failure does not end it again.
        let stageEnds = outcome.events.filter { $0["step"] as? String == "stage-2" && $0["kind"] as? String == "end" }
        #expect(stageEnds.count == 1)
    }
}
