#if canImport(Glibc)
import Glibc
#endif
import CNSTraceSys

/// An errno value as a Swift error, in the style of swift-system's `Errno`.
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current errno.
    public static var current: Errno { Errno(rawValue: errno) }

    public var description: String { String(cString: strerror(rawValue)) }

    /// `ENOENT`, `EPERM`, ...
    public var name: String {
        guard let name = nst_errno_name(rawValue) else { return "E\(rawValue)" }
        return String(cString: name)
    }
}
