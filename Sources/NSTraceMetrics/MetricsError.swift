/// A failure of the metrics modules (bad address, bind failure, unwritable file).
public struct MetricsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
