/// One `nstrace` subcommand, in the style of systemd-analyze's verb table:
/// the dispatcher and `--help` both read `CLI.verbs`.
public struct Verb: Sendable {
    public let name: String
    /// Shown after the verb name in `--help`.
    public let synopsis: String
    public let summary: String
    public let run: @Sendable ([String]) throws -> Int32

    public init(name: String, synopsis: String, summary: String, run: @escaping @Sendable ([String]) throws -> Int32) {
        self.name = name
        self.synopsis = synopsis
        self.summary = summary
        self.run = run
    }
}
