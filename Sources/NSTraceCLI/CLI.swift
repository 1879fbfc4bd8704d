#if canImport(Glibc)
import Glibc
#endif

public enum CLI {
    /// The verb table: dispatch and `--help` both read it.
    public static let verbs: [Verb] = [
        Verb(name: "run", synopsis: "[OPTIONS] -- CMD [ARGS...]",
             summary: "Start CMD in new or joined namespaces, traced", run: RunCommand.main),
        CollectorHandoff.verb("summary", synopsis: "FILE... | -",
                              summary: "Where starts spent their time and why they failed"),
        CollectorHandoff.verb("timeline", synopsis: "FILE [--trace ID | --slowest | --failed] [--json | --cause]",
                              summary: "One start as a timeline of spans"),
        CollectorHandoff.verb("metrics", synopsis: "FILE... | - [--openmetrics] [--textfile PATH]",
                              summary: "Prometheus/OpenMetrics text from traces"),
        CollectorHandoff.verb("serve", synopsis: "[--listen ADDR:PORT] [--watch PATH...]",
                              summary: "Serve /metrics for Prometheus, following trace files"),
    ]

    public static func help() -> String {
        var text = "nstrace [--help] VERB [OPTIONS...]\n\n"
        text += "Trace container starts through a runc-compatible nsexec.\n\nVerbs:\n"
        for verb in verbs {
            let head = "  \(verb.name) \(verb.synopsis)"
            text += head.count < 52 ? head + String(repeating: " ", count: 52 - head.count) + verb.summary + "\n"
                                    : head + "\n" + String(repeating: " ", count: 52) + verb.summary + "\n"
        }
        text += "\nOptions:\n  -h --help                                         Show this help\n"
        text += "\nRun 'nstrace VERB --help' for a verb's options. Exit status: 0 ok, 1 failure, 64 usage error.\n"
        return text
    }

    /// Runs `nstrace` with `arguments` (without argv[0]) and returns the exit status.
    public static func main(_ arguments: [String]) -> Int32 {
        guard let first = arguments.first else {
            Terminal.standardError.write("nstrace: error: no verb given\nSee 'nstrace --help'.\n")
            return ExitCode.usage
        }
        if first == "-h" || first == "--help" || first == "help" {
            Terminal.standardOutput.write(help())
            return ExitCode.success
        }
        guard let verb = verbs.first(where: { $0.name == first }) else {
            Terminal.standardError.write("nstrace: error: unknown verb '\(first)'\nSee 'nstrace --help'.\n")
            return ExitCode.usage
        }
        return run(verb, Array(arguments.dropFirst()))
    }

    /// Runs one verb and maps its errors to exit statuses: usage errors 64, failures 1.
    public static func run(_ verb: Verb, _ arguments: [String]) -> Int32 {
        do {
            return try verb.run(arguments)
        } catch let error as UsageError {
            Terminal.standardError.write("nstrace \(verb.name): error: \(error)\nSee 'nstrace \(error.verb ?? verb.name) --help'.\n")
            return ExitCode.usage
        } catch {
            Terminal.standardError.write("nstrace \(verb.name): error: \(error)\n")
            return ExitCode.failure
        }
    }
}
