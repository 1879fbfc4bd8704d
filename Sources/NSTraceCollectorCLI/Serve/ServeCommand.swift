#if canImport(Glibc)
import Glibc
#endif
import NSTraceCLI
import NSTraceMetrics

/// `nstrace serve [--listen ADDR:PORT] [--watch PATH...]`.
enum ServeCommand {
    static let help = """
        nstrace serve [--listen ADDR:PORT] [--watch PATH...] [--idle-timeout SECONDS]

        Serve the aggregates of followed trace files for Prometheus:
          GET /metrics   Prometheus text 0.0.4, or OpenMetrics 1.0 when the Accept header asks
          GET /healthz   "ok"

        Options:
          --listen ADDR:PORT      Address to listen on (default 127.0.0.1:9464; [::1]:PORT for
                                  IPv6; port 0 picks a free port, printed on stderr)
          --watch PATH            A trace file or directory to follow like 'tail -F': appended
                                  lines are aggregated as they arrive, rotated or truncated files
                                  are read again, new files in a directory are added. Repeatable;
                                  every argument after it that is not an option is a PATH too.
          --idle-timeout SECONDS  Finalize starts with no new line for this long (default 30)
          -h --help               Show this help

        Stops cleanly on SIGINT or SIGTERM. Exit status: 0 stopped by a signal, 1 failure
        (e.g. address in use), 64 usage error.

        """

    static func main(_ arguments: [String]) throws -> Int32 {
        var args = Arguments(arguments, verb: "serve")
        var options = MetricsService.Options()
        var inWatchList = false
        while let item = args.next() {
            switch item {
            case .option("-h"), .option("--help"):
                Terminal.standardOutput.write(help)
                return ExitCode.success
            case .option("--listen"):
                inWatchList = false
                let value = try args.value(for: "--listen")
                do {
                    options.listen = try ListenAddress(parsing: value)
                } catch let error as MetricsError {
                    throw UsageError("--listen: \(error.description)", verb: "serve")
                }
            case .option("--watch"):
                let path = try args.value(for: "--watch")
                guard !path.isEmpty else { throw UsageError("option '--watch' needs a path", verb: "serve") }
                options.watch.append(path)
                inWatchList = true
            case .option("--idle-timeout"):
                inWatchList = false
                let value = try args.value(for: "--idle-timeout")
                guard let seconds = Double(value), seconds > 0, seconds <= 86_400 else {
                    throw UsageError("--idle-timeout: '\(value)' is not a number of seconds (0 < s <= 86400)",
                                     verb: "serve")
                }
                options.idleTimeoutNanoseconds = UInt64(seconds * 1e9)
            case .option(let option):
                throw args.unknown(option)
            case .positional(let path):
                guard inWatchList, !path.isEmpty else {
                    throw UsageError("unexpected argument '\(path)' (trace files follow --watch)", verb: "serve")
                }
                options.watch.append(path)
            }
        }

        MetricsService.prepareSignals()
        let service = MetricsService(options: options) { message in
            Terminal.standardError.write("nstrace serve: \(message)\n")
        }
        do {
            let signal = try service.run { address in
                let watching = options.watch.isEmpty ? "no trace files" : options.watch.joined(separator: ", ")
                Terminal.standardError.write(
                    "nstrace serve: listening on http://\(address)/metrics (following \(watching))\n")
            }
            Terminal.standardError.write("nstrace serve: stopped (\(signal == SIGINT ? "SIGINT" : "SIGTERM"))\n")
            return ExitCode.success
        } catch let error as MetricsError {
            throw RuntimeError(error.description)
        }
    }
}
