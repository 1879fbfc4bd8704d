#if canImport(Glibc)
import Glibc
#endif
import NSTraceCLI
import NSTraceCollector
import NSTraceCore
import NSTraceMetrics

/// `nstrace metrics FILE... | - [--openmetrics] [--textfile PATH]`
enum MetricsCommand {
    static let help = """
        nstrace metrics FILE... | - [--openmetrics] [--textfile PATH]

        Aggregate trace files and print Prometheus text (format 0.0.4) on stdout.

        Options:
          --openmetrics      Print OpenMetrics 1.0 text instead (ends in '# EOF')
          --textfile PATH    Write the text atomically to PATH instead of stdout (for
                             node_exporter's textfile collector, which reads *.prom)
          -h --help          Show this help

        '-' reads standard input. Starts still open at the end of the input count as
        incomplete. Exit status: 0 ok, 1 unreadable input or file, 64 usage error.

        """

    static func main(_ arguments: [String]) throws -> Int32 {
        var args = Arguments(arguments, verb: "metrics")
        var format = ExpositionFormat.prometheus
        var textfile: String?
        var files: [String] = []
        while let item = args.next() {
            switch item {
            case .option("-h"), .option("--help"):
                Terminal.standardOutput.write(help)
                return ExitCode.success
            case .option("--openmetrics"):
                try args.flag("--openmetrics")
                format = .openMetrics
            case .option("--textfile"):
                let path = try args.value(for: "--textfile")
                guard !path.isEmpty else { throw UsageError("option '--textfile' needs a path", verb: "metrics") }
                textfile = path
            case .option(let option):
                throw args.unknown(option)
            case .positional(let file):
                files.append(file)
            }
        }
        guard !files.isEmpty else { throw UsageError("no trace file given (use '-' for standard input)", verb: "metrics") }
        if files.filter({ $0 == "-" }).count > 1 {
            throw UsageError("'-' (standard input) can be given only once", verb: "metrics")
        }

        let collector = Collector()
        for file in files {
            do {
                try collector.read(path: file)
            } catch let error as TraceReadError {
                throw RuntimeError(error.description)
            }
        }
        collector.finish()
        let bytes = MetricsSnapshot(collector.aggregates).render(format)
        if let textfile {
            do {
                try AtomicFile.write(bytes, to: textfile)
            } catch let error as MetricsError {
                throw RuntimeError(error.description)
            }
        } else {
            do {
                try FileDescriptorIO.writeAll(1, bytes)
            } catch {
                throw RuntimeError("cannot write to standard output: \(error)")
            }
        }
        return ExitCode.success
    }
}
