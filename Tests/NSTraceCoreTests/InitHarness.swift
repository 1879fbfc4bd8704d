import Foundation
import NSTraceCore
import NSTraceTestSupport

/// Drives `nstrace-init` the way runc drives `runc init`, with arbitrary bytes, so the
/// constructor can be tested on its own: malformed messages, broken log pipes, bad env.
struct InitHarness {
    enum LogMode { case pipe, none, readerClosed, full, garbageVariable }
    /// When the bootstrap data goes into the init socket: before the spawn (as `nstrace run`
    /// sends it), right after it (as runc does), or once the init has written a trace line.
    enum Sending { case beforeSpawn, afterSpawn, afterFirstLine }

    struct Outcome {
        var initStatus: Int32
        var reply: String?
        var execReply: [UInt8] = []
        var commandStatus: Int32?
        var lines: [String]
        /// With `.afterFirstLine`: the init wrote a line while it waited for its input.
        var wroteWhileWaiting = false
        var events: [[String: Any]] {
            lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        func events(step: String) -> [[String: Any]] { events.filter { $0["step"] as? String == step } }
        var fatal: [[String: Any]] { events.filter { $0["level"] as? String == "fatal" } }
    }

    static var initPath: String { TestBinaries.path("nstrace-init") }

    static func run(
        message: [UInt8], exec: ExecRequest? = ExecRequest(arguments: ["/bin/true"], environment: []),
        log: LogMode = .pipe, environment extra: [String] = [], endOfInput: Bool = false,
        sending: Sending = .afterSpawn
    ) throws -> Outcome {
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0)
        var environment = ["_LIBCONTAINER_INITPIPE=3"] + extra
        switch log {
        case .pipe, .full, .readerClosed: environment.append("_LIBCONTAINER_LOGPIPE=4")
        case .garbageVariable: environment.append("_LIBCONTAINER_LOGPIPE=4x")
        case .none: break
        }
        if log == .readerClosed { close(fds[0]); fds[0] = -1 }
        if log == .full {
            // Fill the pipe so the first event would block a careless writer.
            _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
            let chunk = [UInt8](repeating: 0x20, count: 4096)
            while write(fds[1], chunk, chunk.count) > 0 {}
        }
        let pair = try InitProcess.socketPair()
        if sending == .beforeSpawn { _ = try? FileDescriptorIO.sendAll(pair.ours, message) }
        let process = try InitProcess.spawn(
            path: initPath, environment: environment, logFD: log == .none ? -1 : fds[1], socket: pair)
        close(fds[1])
        defer { close(process.socket) }
        var wroteWhileWaiting = false
        if sending == .afterFirstLine {
            var ready = [pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)]
            wroteWhileWaiting = poll(&ready, 1, 5000) == 1
        }
        if sending != .beforeSpawn { _ = try? FileDescriptorIO.sendAll(process.socket, message) }
        // A truncated message is only truncated if the init sees EOF after it.
        if endOfInput { shutdown(process.socket, Int32(SHUT_WR)) }
        var outcome = Outcome(initStatus: -1, reply: nil, lines: [], wroteWhileWaiting: wroteWhileWaiting)
        // An init that exits with unread input resets the socket: that is EOF here too.
        if let line = (try? FileDescriptorIO.readLine(process.socket)) ?? nil {
            outcome.reply = String(decoding: line, as: UTF8.self)
        }
        let pids = outcome.reply.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Int] }
        if let stage1 = pids?["stage1_pid"] { _ = InitProcess.wait(pid_t(stage1)) }
        outcome.initStatus = InitProcess.wait(process.pid)
        if let stage2 = pids?["stage2_pid"] {
            if let exec { _ = try? FileDescriptorIO.sendAll(process.socket, exec.message.bytes) }
            outcome.execReply = (try? FileDescriptorIO.read(process.socket, upTo: 4)) ?? []
            if exec == nil { shutdown(process.socket, Int32(SHUT_RDWR)) }
            outcome.commandStatus = InitProcess.wait(pid_t(stage2))
        }
        if fds[0] >= 0 {
            var data = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let got = read(fds[0], &buffer, buffer.count)
                if got <= 0 { break }
                data += buffer[..<got]
            }
            close(fds[0])
            outcome.lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
                .filter { !$0.allSatisfy { $0 == " " } }
        }
        return outcome
    }

    /// A bootstrap message for new namespaces and nothing else.
    static func message(create: NamespaceSet) -> [UInt8] {
        var data = BootstrapData()
        data.create = create
        return data.message.bytes
    }
}

/// Builds raw netlink bytes, valid or not.
struct RawMessage {
    var type: UInt16 = 62000
    var attributes: [UInt8] = []
    var lengthOverride: UInt32?

    mutating func attribute(_ type: UInt16, length: UInt16? = nil, _ payload: [UInt8]) {
        let nlaLength = length ?? UInt16(4 + payload.count)
        withUnsafeBytes(of: nlaLength) { attributes += $0 }
        withUnsafeBytes(of: type) { attributes += $0 }
        attributes += payload
        attributes += [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4)
    }

    var bytes: [UInt8] {
        var header: [UInt8] = []
        withUnsafeBytes(of: lengthOverride ?? UInt32(16 + attributes.count)) { header += $0 }
        withUnsafeBytes(of: type) { header += $0 }
        withUnsafeBytes(of: UInt16(1)) { header += $0 }
        withUnsafeBytes(of: UInt32(1)) { header += $0 }
        withUnsafeBytes(of: UInt32(0)) { header += $0 }
        return header + attributes
    }
}
