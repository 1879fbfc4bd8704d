/// A bad invocation: reported on stderr with exit status 64 (`EX_USAGE`).
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public let description: String
    /// The verb whose `--help` the hint points at, if any.
    public let verb: String?

    public init(_ description: String, verb: String? = nil) {
        self.description = description
        self.verb = verb
    }
}

/// A failure at run time (unreadable file, bad trace): stderr, exit status 1.
public struct RuntimeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum ExitCode {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 64
}
