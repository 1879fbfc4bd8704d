import NSTraceCLI
import NSTraceCollector

/// `nstrace summary FILE... | -`: where starts spent their time and why they failed.
enum SummaryCommand {
    static let help = """
        Usage: nstrace summary [--json] [--all] [--slowest N] FILE... | -

        Reads nstrace traces (JSON lines; '-' is standard input) and reports the number of
        starts (ok, failed, incomplete), start latency quantiles, time per step sorted by
        total (like systemd-analyze blame), failures grouped by step and errno with one
        example message, the slowest starts by trace id, and skipped lines with file:line.

        Options:
          --json          One JSON document instead of the text report
          --all           List every step (the text report shows the top 12)
          --slowest N     How many slowest starts to list (default 10)
          -h, --help      Show this help

        Quantiles come from a log-linear histogram with at most 0.5% relative error.
        Exit status: 0 ok; 1 unreadable input, or lines of an unknown schema version;
        64 usage error.

        """

    static func main(_ arguments: [String]) throws -> Int32 {
        var parser = Arguments(arguments, verb: "summary")
        var json = false, all = false
        var slowestCount = 10
        var inputs: [String] = []
        while let item = parser.next() {
            switch item {
            case .option("-h"), .option("--help"):
                Terminal.standardOutput.write(help)
                return ExitCode.success
            case .option("--json"):
                try parser.flag("--json")
                json = true
            case .option("--all"):
                try parser.flag("--all")
                all = true
            case .option("--slowest"):
                let value = try parser.value(for: "--slowest")
                guard let count = Int(value), count >= 0, count <= 10_000 else {
                    throw UsageError("--slowest needs a number from 0 to 10000, not '\(value)'", verb: "summary")
                }
                slowestCount = count
            case .option(let option):
                throw parser.unknown(option)
            case .positional(let path):
                inputs.append(path)
            }
        }
        guard !inputs.isEmpty else { throw UsageError("no trace file given (use '-' for standard input)", verb: "summary") }
        if inputs.filter({ $0 == "-" }).count > 1 { throw UsageError("'-' given more than once", verb: "summary") }

        let collector = Collector(configuration: Collector.Configuration(slowestCount: slowestCount))
        for input in inputs {
            do {
                try collector.read(path: input)
            } catch let error as TraceReadError {
                throw RuntimeError(error.description)
            }
        }
        collector.finish()
        var report = SummaryReport(aggregates: collector.aggregates, inputs: inputs)
        if all { report.stepLimit = nil }
        Terminal.standardOutput.write(json ? report.json() : report.text(colour: Terminal.standardOutput.wantsColour))
        return versionProblem(in: report.aggregates, verb: "summary") ? ExitCode.failure : ExitCode.success
    }

    /// Lines of an unknown schema version are an error (a newer nstrace wrote them): says
    /// where on stderr and makes the exit status 1, after the report of what could be read.
    static func versionProblem(in aggregates: Aggregates, verb: String) -> Bool {
        guard let rejected = aggregates.rejected[.unknownVersion], let first = rejected.examples.first else { return false }
        Terminal.standardError.write("nstrace \(verb): error: \(first.location): unsupported trace schema version "
            + "(\(first.detail)); this nstrace reads version 1 (\(rejected.count) such line\(rejected.count == 1 ? "" : "s"))\n")
        return true
    }
}
