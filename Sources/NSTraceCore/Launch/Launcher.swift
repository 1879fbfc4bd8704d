#if canImport(Glibc)
import Glibc
#endif
import CNSTraceSys

/// Why a start failed before the command ran.
public struct LaunchFailure: Error, CustomStringConvertible, Sendable {
    public let step: String
    public let errno: Errno?
    public let message: String
    public var description: String { message }
}

/// What a traced start produced.
public struct LaunchResult: Sendable {
    /// The command's exit status, or 128 + signal when a signal killed it.
    public let exitStatus: Int32
    public let stage1PID: Int32
    public let stage2PID: Int32
}

/// The parent side of the nsexec protocol, as runc's `initProcess.start` drives `runc init`:
/// spawn the init with the init socket (and the trace fd as its log pipe), send the bootstrap
/// data and the exec request, read the child pids, reap stage-1, see the exec, reap stage-0, wait.
public struct Launcher {
    public var initPath: String
    public var bootstrap: BootstrapData
    public var exec: ExecRequest
    /// Where the constructor and the parent write trace lines; -1 for no tracing.
    public var traceFD: Int32
    public var trace: TraceContext
    /// `_LIBCONTAINER_LOGLEVEL` for the constructor (5: debug, every step).
    public var logLevel = 5

    public init(initPath: String, bootstrap: BootstrapData, exec: ExecRequest, traceFD: Int32, trace: TraceContext) {
        self.initPath = initPath
        self.bootstrap = bootstrap
        self.exec = exec
        self.traceFD = traceFD
        self.trace = trace
    }

    public func run() throws(LaunchFailure) -> LaunchResult {
        var run = Run(launcher: self)
        return try run.start()
    }
}

/// One start's mutable state; cleans up the processes it knows on failure.
private struct Run {
    let launcher: Launcher
    let relay: TraceRelay?
    let tracer: ParentTracer
    let root: ParentSpan
    var socket: Int32 = -1
    var sending: [Sending] = []
    /// The lines of the steps before the spawn are recorded once it is done (or failed):
    /// until then every µs the parent spends delays the start.
    var earlyLinesRecorded = false
    var stage0: pid_t = 0
    var stage1: pid_t = 0
    var stage2: pid_t = 0

    init(launcher: Launcher) {
        self.launcher = launcher
        // No pipe, no trace: a start never depends on its tracing.
        relay = launcher.traceFD >= 0 ? try? TraceRelay(output: launcher.traceFD) : nil
        tracer = ParentTracer(relay: relay, context: launcher.trace)
        root = tracer.start("start", parent: launcher.trace.parentSpanID)  // its begin: recordEarlyLines
    }

    /// The start's begin and the ends of the sends before the spawn, with their own times;
    /// recorded before the relay learns that the init runs, they go before every stage line.
    private mutating func recordEarlyLines() {
        guard !earlyLinesRecorded else { return }
        earlyLinesRecorded = true
        tracer.announce(root, "starting \(launcher.exec.arguments.first ?? "")")
        for message in sending where message.sentAt != nil { recordSent(message) }
    }

    private mutating func fail(_ span: ParentSpan, _ errno: Errno?, _ message: String) -> LaunchFailure {
        recordEarlyLines()
        let text = errno.map { "\(message): \($0)" } ?? message
        tracer.fail(span, errno: errno, text)
        tracer.fail(root, errno: errno, text, fatal: false)
        return LaunchFailure(step: span.step, errno: errno, message: text)
    }

    /// Kills and reaps every process of this start that may still exist.
    private mutating func abandon() {
        nst_forward_signals_to(0)
        for pid in [stage2, stage1, stage0] where pid > 0 {
            kill(pid, SIGKILL)
            _ = InitProcess.wait(pid)
        }
        stage0 = 0
        stage1 = 0
        stage2 = 0
        if socket >= 0 { close(socket) }
        socket = -1
        // Stages we never heard of (the init died before the pid reply) are our children too.
        nst_reap_children(2000)
    }

    mutating func start() throws(LaunchFailure) -> LaunchResult {
        // The stages are gone by then (exited, exec'd or killed and reaped): collect the rest.
        defer { relay?.finish() }
        do {
            return try handshake()
        } catch {
            abandon()
            throw error
        }
    }

    private mutating func handshake() throws(LaunchFailure) -> LaunchResult {
        let pair: (ours: Int32, theirs: Int32)
        do {
            pair = try InitProcess.socketPair()
        } catch {
            throw fail(root, error, "failed to create the init socket")
        }
        socket = pair.ours
        // The bootstrap data and the exec request go into the socket before the init exists,
        // so stage-0 reads them the moment it starts instead of waiting for us to be scheduled
        // again after the spawn. A few KiB fit in the socket buffer; what does not (a huge
        // environment) is sent once the init runs and reads.
        let bootstrap = launcher.bootstrap.message.bytes
        let exec = launcher.exec.message.bytes
        sending = [
            Sending(step: "send_bootstrap", bytes: bootstrap, what: "bootstrap data"),
            Sending(step: "send_exec", bytes: exec, what: "the exec request for \(launcher.exec.arguments[0])"),
        ]
        do {
            for index in sending.indices {
                guard try send(index, waiting: false) else { break }  // keep the order
            }
        } catch {
            close(pair.theirs)
            throw error
        }

        let spawn = tracer.start("spawn_init", parent: root.id)
        var environment = [
            "_LIBCONTAINER_INITPIPE=3",
            "_LIBCONTAINER_LOGLEVEL=\(launcher.logLevel)",
            "TRACEPARENT=\(launcher.trace.traceparent(parentSpanID: root.id))",
        ]
        if relay != nil { environment.append("_LIBCONTAINER_LOGPIPE=4") }
        let initProcess: InitProcess
        do {
            socket = -1  // spawn owns both ends now
            initProcess = try InitProcess.spawn(
                path: launcher.initPath, environment: environment, logFD: relay?.pipeWrite ?? -1, socket: pair)
        } catch {
            throw fail(spawn, error, "failed to spawn \(launcher.initPath)")
        }
        recordEarlyLines()
        relay?.initStarted()
        let pid = initProcess.pid
        socket = initProcess.socket
        stage0 = pid
        nst_forward_signals_to(pid)
        tracer.end(spawn, "spawned init \(pid)", [.int("child_pid", Int(pid))])
        for index in sending.indices where !sending[index].done {
            _ = try send(index, waiting: true)
        }

        let readPIDs = tracer.start("read_pids", parent: root.id, announce: true, "waiting for the child pids")
        relay?.waitReadable(socket)
        guard let line = try? FileDescriptorIO.readLine(socket), let pids = ChildPIDs(json: line) else {
            throw initFailed(readPIDs, "nsexec failed before sending the child pids")
        }
        stage1 = pids.stage1
        stage2 = pids.stage2
        nst_forward_signals_to(stage2)
        tracer.end(readPIDs, "stage-1 \(pids.stage1), stage-2 \(pids.stage2)",
                   [.int("stage1_pid", Int(pids.stage1)), .int("stage2_pid", Int(pids.stage2))])

        // Both stages are our children through CLONE_PARENT.
        let reap = tracer.start("reap_stage1", parent: root.id)
        let stage1Status = InitProcess.wait(stage1)
        stage1 = 0
        tracer.end(reap, "stage-1 exited with \(stage1Status)", [.int("exit_status", Int(stage1Status))])

        // The init socket is close-on-exec in stage-2: EOF means execve succeeded, or that
        // stage-2 died, which stage-0's exit status below tells apart.
        let execSpan = tracer.start("exec", parent: root.id, announce: true, "waiting for stage-2 to exec")
        relay?.waitReadable(socket)
        let reply = (try? FileDescriptorIO.read(socket, upTo: 4)) ?? []
        close(socket)
        socket = -1

        let waitStage0 = tracer.start("wait_stage0", parent: root.id, announce: true, "waiting for stage-0")
        let stage0Status = InitProcess.wait(stage0)
        stage0 = 0
        guard stage0Status == 0 else {
            throw fail(waitStage0, nil, "nsexec stage-0 exited with status \(stage0Status)")
        }
        tracer.end(waitStage0, "stage-0 exited", [.int("exit_status", 0)])

        if reply.count == 4 {
            let code = reply.withUnsafeBytes { $0.load(as: Int32.self) }
            let status = InitProcess.wait(stage2)
            stage2 = 0
            let failure = fail(execSpan, Errno(rawValue: code), "failed to exec \(launcher.exec.arguments[0])")
            throw LaunchFailure(step: failure.step, errno: failure.errno, message: failure.message + " (exit status \(status))")
        }
        tracer.end(execSpan, "stage-2 exec'd \(launcher.exec.arguments[0])")
        tracer.end(root, "started \(launcher.exec.arguments[0]) as \(stage2)", [.int("child_pid", Int(stage2))])

        let waitSpan = tracer.start("wait", parent: launcher.trace.parentSpanID, announce: true, "waiting for the command")
        // Every stage has exited or exec'd, so the pipe is at EOF: the whole start goes into the
        // file now, while the command runs, and shows there for as long as the command does.
        relay?.finish()
        let status = InitProcess.wait(stage2)
        nst_forward_signals_to(0)
        tracer.end(waitSpan, "command exited with \(status)", [.int("exit_status", Int(status))])
        let result = LaunchResult(exitStatus: status, stage1PID: pids.stage1, stage2PID: stage2)
        stage2 = 0
        return result
    }

    /// A message on its way into the init socket, with its span.
    struct Sending {
        let step: String
        let bytes: [UInt8]
        let what: String
        var span: ParentSpan?
        var offset = 0
        var sentAt: UInt64?
        var done: Bool { offset == bytes.count }
    }

    /// Sends what is left of `sending[index]`; without `waiting`, only what the socket buffer
    /// takes. True once all of it is sent (and its span ended).
    private mutating func send(_ index: Int, waiting: Bool) throws(LaunchFailure) -> Bool {
        let span = sending[index].span ?? tracer.start(sending[index].step, parent: root.id)
        sending[index].span = span
        do {
            sending[index].offset = try FileDescriptorIO.sendAll(
                socket, sending[index].bytes, from: sending[index].offset, waiting: waiting)
        } catch {
            // The init died early; what it said is in the trace, its status below.
            throw initFailed(span, "failed to send \(sending[index].what)")
        }
        guard sending[index].done else { return false }
        sending[index].sentAt = nst_monotonic_ns()
        if earlyLinesRecorded { recordSent(sending[index]) }
        return true
    }

    private func recordSent(_ message: Sending) {
        guard let span = message.span else { return }
        tracer.end(span, "sent \(message.what) (\(message.bytes.count) bytes)", [.int("bytes", message.bytes.count)],
                   at: message.sentAt)
    }

    /// The init is gone or broken: its exit status and the trace say why.
    private mutating func initFailed(_ span: ParentSpan, _ message: String) -> LaunchFailure {
        let status = stage0 > 0 ? InitProcess.wait(stage0) : -1
        stage0 = 0
        return fail(span, nil, "\(message) (init exit status \(status))")
    }
}

/// `{"stage1_pid":N,"stage2_pid":M}`, as runc's getChildPid decodes it.
struct ChildPIDs {
    let stage1: Int32
    let stage2: Int32

    init?(json line: [UInt8]) {
        func value(_ key: String) -> Int32? {
            let needle = Array("\"\(key)\":".utf8)
            guard line.count >= needle.count,
                  let start = (0...(line.count - needle.count)).first(where: { line[$0..<$0 + needle.count].elementsEqual(needle) })
            else { return nil }
            let digits = line[(start + needle.count)...].prefix { (48...57).contains($0) }
            return Int32(String(decoding: digits, as: UTF8.self))
        }
        guard let stage1 = value("stage1_pid"), let stage2 = value("stage2_pid"), stage1 > 0, stage2 > 0 else { return nil }
        self.stage1 = stage1
        self.stage2 = stage2
    }
}
