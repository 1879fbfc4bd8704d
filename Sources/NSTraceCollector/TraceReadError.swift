/// An input that could not be read (missing file, permission, I/O error).
public struct TraceReadError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "cannot read '\(path)': \(reason)" }
}
