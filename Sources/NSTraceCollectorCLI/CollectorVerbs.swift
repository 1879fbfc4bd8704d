import NSTraceCLI

/// The verbs `nstrace` hands to the `nstrace-collector` executable (see `CollectorHandoff`):
/// they need simdjson, and `serve` libmicrohttpd, which a static `nstrace` cannot link.
public enum CollectorVerbs {
    public static let all: [String: @Sendable ([String]) throws -> Int32] = [
        "summary": SummaryCommand.main,
        "timeline": TimelineCommand.main,
        "metrics": MetricsCommand.main,
        "serve": ServeCommand.main,
    ]

    /// `nstrace-collector VERB ARGS...`: runs VERB as `nstrace VERB` would.
    public static func main(_ arguments: [String]) -> Int32 {
        guard let name = arguments.first, let run = all[name] else {
            Terminal.standardError.write("nstrace-collector runs nstrace's \(all.keys.sorted().joined(separator: ", ")) verbs; use 'nstrace VERB'.\n")
            return ExitCode.usage
        }
        return CLI.run(Verb(name: name, synopsis: "", summary: "", run: run), Array(arguments.dropFirst()))
    }
}
