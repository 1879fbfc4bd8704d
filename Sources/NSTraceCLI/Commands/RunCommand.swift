#if canImport(Glibc)
import Glibc
#endif
import CNSTraceSys
import NSTraceCore

/// `nstrace run`: a traced container start.
enum RunCommand {
    static let help = """
        nstrace run [OPTIONS] -- CMD [ARGS...]

        Start CMD in new (and joined) namespaces through nstrace's runc-compatible nsexec,
        tracing every step. Exits with CMD's exit status (128+N if signal N killed it),
        125 when the start failed before CMD ran, 126/127 when CMD could not be executed.

        Options:
          --ns LIST             Namespaces to create: comma list of pid,net,uts,ipc,mnt,
                                user,cgroup,time, or 'none' (default: pid,net,uts,ipc,mnt)
          --join TYPE=PATH      Join an existing namespace, e.g. net=/proc/42/ns/net
                                (repeatable; a joined type is not created)
          --uid-map C:H:N       uid_map line for a new user namespace (repeatable;
                                default 0:<your uid>:1)
          --gid-map C:H:N       gid_map line (repeatable; default 0:<your gid>:1)
          --hostname NAME       Hostname inside a new uts namespace
          --oom-score-adj N     Write N to oom_score_adj before the namespaces are set up
          --time-offset CLOCK:SECONDS
                                Offset for a new time namespace (monotonic or boottime)
          --cwd DIR             Working directory of CMD
          --trace FILE          Append the trace (JSON lines) to FILE
          --timeline            Print the start's timeline on stderr when CMD exits
          -h, --help            Show this help

        TRACEPARENT (W3C trace-context) in the environment makes the start a child span of it.
        NSTRACE_INIT overrides the path of nstrace-init (default: next to nstrace).

        """

    struct Options {
        var create: NamespaceSet = NamespaceSet([.pid, .net, .uts, .ipc, .mnt])
        var join: [Namespace: String] = [:]
        var uidMap: [IDMapping] = []
        var gidMap: [IDMapping] = []
        var hostname: String?
        var oomScoreAdj: Int?
        var timeOffsets: [String] = []
        var directory: String?
        var tracePath: String?
        var timeline = false
        var command: [String] = []
    }

    static func parse(_ arguments: [String]) throws -> Options? {
        var options = Options()
        var cursor = Arguments(arguments, verb: "run")
        while let item = cursor.next() {
            switch item {
            case .positional(let value):
                options.command = [value] + cursor.remaining()
            case .option("-h"), .option("--help"):
                return nil
            case .option("--ns"):
                let value = try cursor.value(for: "--ns")
                options.create = []
                if value == "none" { continue }
                for name in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let namespace = Namespace(rawValue: String(name)) else {
                        throw UsageError("unknown namespace '\(name)' in --ns (known: \(namespaceNames))", verb: "run")
                    }
                    options.create.insert(NamespaceSet([namespace]))
                }
            case .option("--join"):
                let value = try cursor.value(for: "--join")
                guard let equals = value.firstIndex(of: "="),
                      let namespace = Namespace(rawValue: String(value[..<equals])),
                      value.index(after: equals) < value.endIndex
                else {
                    throw UsageError("--join takes TYPE=PATH with TYPE one of \(namespaceNames), got '\(value)'", verb: "run")
                }
                let path = String(value[value.index(after: equals)...])
                guard !path.contains(",") else {
                    throw UsageError("--join path may not contain ',' (runc's list separator): '\(path)'", verb: "run")
                }
                options.join[namespace] = path
            case .option("--uid-map"), .option("--gid-map"):
                let name = item == .option("--uid-map") ? "--uid-map" : "--gid-map"
                let value = try cursor.value(for: name)
                guard let mapping = IDMapping(colonSeparated: value) else {
                    throw UsageError("\(name) takes CONTAINER:HOST:COUNT (numbers, COUNT > 0), got '\(value)'", verb: "run")
                }
                if name == "--uid-map" { options.uidMap.append(mapping) } else { options.gidMap.append(mapping) }
            case .option("--hostname"):
                options.hostname = try cursor.value(for: "--hostname")
            case .option("--oom-score-adj"):
                let value = try cursor.value(for: "--oom-score-adj")
                guard let score = Int(value), (-1000...1000).contains(score) else {
                    throw UsageError("--oom-score-adj takes an integer from -1000 to 1000, got '\(value)'", verb: "run")
                }
                options.oomScoreAdj = score
            case .option("--time-offset"):
                let value = try cursor.value(for: "--time-offset")
                let parts = value.split(separator: ":")
                guard parts.count == 2, ["monotonic", "boottime"].contains(parts[0]), let seconds = Int64(parts[1]) else {
                    throw UsageError("--time-offset takes monotonic:SECONDS or boottime:SECONDS, got '\(value)'", verb: "run")
                }
                options.timeOffsets.append("\(parts[0]) \(seconds) 0")
            case .option("--cwd"):
                options.directory = try cursor.value(for: "--cwd")
            case .option("--trace"):
                options.tracePath = try cursor.value(for: "--trace")
            case .option("--timeline"):
                try cursor.flag("--timeline")
                options.timeline = true
            case .option(let other):
                throw cursor.unknown(other)
            }
        }
        guard !options.command.isEmpty else {
            throw UsageError("no command given: nstrace run [OPTIONS] -- CMD [ARGS...]", verb: "run")
        }
        for namespace in options.join.keys { options.create.remove(NamespaceSet([namespace])) }
        if options.hostname != nil && !options.create.contains(.uts) && options.join[.uts] == nil {
            throw UsageError("--hostname needs a new or joined uts namespace (it would rename the host)", verb: "run")
        }
        if !options.timeOffsets.isEmpty && !options.create.contains(.time) {
            throw UsageError("--time-offset needs a new time namespace (--ns ...,time)", verb: "run")
        }
        if (!options.uidMap.isEmpty || !options.gidMap.isEmpty) && !options.create.contains(.user) {
            throw UsageError("--uid-map/--gid-map need a new user namespace (--ns ...,user)", verb: "run")
        }
        return options
    }

    static var namespaceNames: String { Namespace.allCases.map(\.rawValue).joined(separator: ",") }

    static func bootstrap(for options: Options) -> BootstrapData {
        var data = BootstrapData()
        data.create = options.create
        data.join = options.join
        data.oomScoreAdj = options.oomScoreAdj
        data.timeOffsets = options.timeOffsets
        data.rootlessEUID = geteuid() != 0
        if options.create.contains(.user) {
            data.uidMap = options.uidMap.isEmpty ? [IDMapping(containerID: 0, hostID: getuid(), size: 1)] : options.uidMap
            data.gidMap = options.gidMap.isEmpty ? [IDMapping(containerID: 0, hostID: getgid(), size: 1)] : options.gidMap
            // runc's requiresRootOrMappingTool: anything but "0 <egid> 1" needs setgroups.
            data.setgroups = data.gidMap != [IDMapping(containerID: 0, hostID: getegid(), size: 1)]
            if data.rootlessEUID {
                data.uidMapTool = ExecutableLookup.find("newuidmap")
                data.gidMapTool = ExecutableLookup.find("newgidmap")
            }
        }
        return data
    }

    static func main(_ arguments: [String]) throws -> Int32 {
        guard let options = try parse(arguments) else {
            Terminal.standardOutput.write(help)
            return ExitCode.success
        }
        let initPath = ExecutableLookup.initPath()
        guard access(initPath, X_OK) == 0 else {
            throw RuntimeError("cannot execute \(initPath): \(Errno.current) (set NSTRACE_INIT to nstrace-init's path)")
        }
        // A trace file that is a pipe with a dead reader costs trace lines, not the start.
        signal(SIGPIPE, SIG_IGN)
        // Nothing here is worth returning to the kernel before we exit: glibc's trim of the
        // heap top when the trace buffers are freed (sbrk and a TLB flush) cost 17 µs after
        // the command had exited, on the path the user waits on.
        nst_keep_heap()

        // The trace goes to FILE (appended, so one file collects many starts), or to an
        // anonymous file when only --timeline wants it.
        var traceFD: Int32 = -1
        if let path = options.tracePath {
            traceFD = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard traceFD >= 0 else { throw RuntimeError("cannot open trace file \(path): \(Errno.current)") }
        } else if options.timeline {
            do {
                traceFD = try AnonymousFile.create(name: "nstrace-trace")
            } catch {
                throw RuntimeError("cannot create a trace buffer: \(error)")
            }
        }
        defer { if traceFD >= 0 { close(traceFD) } }

        let trace = TraceContext(traceparent: getenv("TRACEPARENT").map { String(cString: $0) })
        let launcher = Launcher(
            initPath: initPath, bootstrap: bootstrap(for: options),
            exec: ExecRequest(arguments: options.command, environment: ExecutableLookup.environment(),
                              directory: options.directory, hostname: options.hostname),
            traceFD: traceFD, trace: trace)

        let status: Int32
        do {
            status = try launcher.run().exitStatus
        } catch {
            Terminal.standardError.write("nstrace run: error: \(error)\n")
            // The trace knows the step that failed first, in whichever stage it was.
            // It reads "stage-1 ns_open ENOENT: <message>"; skip it when it says what we said.
            if traceFD >= 0, let cause = CollectorHandoff.cause(traceFD: traceFD, traceID: trace.traceID),
               let colon = cause.firstRange(of: ": "), !error.message.contains(cause[colon.upperBound...]) {
                Terminal.standardError.write("  cause: \(cause)\n")
            }
            if options.timeline { printTimeline(traceFD: traceFD, traceID: trace.traceID) }
            return error.step == "exec" ? (error.errno?.rawValue == ENOENT ? 127 : 126) : 125
        }
        if options.timeline { printTimeline(traceFD: traceFD, traceID: trace.traceID) }
        return status
    }

    static func printTimeline(traceFD: Int32, traceID: String) {
        if !CollectorHandoff.printTimeline(traceFD: traceFD, traceID: traceID) {
            Terminal.standardError.write("nstrace run: cannot render the timeline with \(CollectorHandoff.path)\n")
        }
    }
}
