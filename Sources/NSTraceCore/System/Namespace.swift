#if canImport(Glibc)
import Glibc
#endif

/// A Linux namespace type, named as in `/proc/PID/ns/` and runc's bootstrap data.
public enum Namespace: String, CaseIterable, Sendable, Comparable {
    // runc's order for joins: "keep user NS always first".
    case user, ipc, uts, net, pid, mnt, cgroup, time

    public var cloneFlag: UInt32 {
        switch self {
        case .user: 0x1000_0000
        case .ipc: 0x0800_0000
        case .uts: 0x0400_0000
        case .net: 0x4000_0000
        case .pid: 0x2000_0000
        case .mnt: 0x0002_0000
        case .cgroup: 0x0200_0000
        case .time: 0x0000_0080
        }
    }

    public static func < (lhs: Namespace, rhs: Namespace) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A set of namespaces as the CLONE_NEW* flags `unshare(2)` takes.
public struct NamespaceSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ namespaces: some Sequence<Namespace>) {
        self.init(rawValue: namespaces.reduce(0) { $0 | $1.cloneFlag })
    }

    public func contains(_ namespace: Namespace) -> Bool { rawValue & namespace.cloneFlag != 0 }
    public var members: [Namespace] { Namespace.allCases.filter(contains) }
}
