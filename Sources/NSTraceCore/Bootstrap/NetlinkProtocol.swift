/// Wire constants shared with runc and the constructor (Sources/CNSTraceInit/protocol.h).
public enum NetlinkProtocol {
    /// runc >= 1.2 bootstrap message type and attributes (libcontainer/message_linux.go).
    public static let initMessage: UInt16 = 62000
    public static let cloneFlags: UInt16 = 27281
    public static let namespacePaths: UInt16 = 27282
    public static let uidMap: UInt16 = 27283
    public static let gidMap: UInt16 = 27284
    public static let setgroups: UInt16 = 27285
    public static let oomScoreAdj: UInt16 = 27286
    public static let rootlessEUID: UInt16 = 27287
    public static let uidMapPath: UInt16 = 27288
    public static let gidMapPath: UInt16 = 27289
    public static let timeNamespaceOffsets: UInt16 = 27290

    /// nstrace's exec request, sent to stage-2 after stage-0 exited.
    public static let execMessage: UInt16 = 62100
    public static let execArgument: UInt16 = 27400
    public static let execEnvironment: UInt16 = 27401
    public static let execDirectory: UInt16 = 27402
    public static let execHostname: UInt16 = 27403
}

/// Builds a netlink message the way runc's Go encoder (vishvananda/netlink `nl`) does:
/// a 16-byte native-endian header, then 4-byte aligned attributes.
public struct NetlinkMessage: Sendable {
    public let type: UInt16
    private var payload: [UInt8] = []

    public init(type: UInt16) { self.type = type }

    private mutating func appendAttribute(_ attributeType: UInt16, _ value: [UInt8]) {
        let length = 4 + value.count
        precondition(length <= Int(UInt16.max), "netlink attribute \(attributeType) is longer than 65535 bytes")
        appendNative(UInt16(length))
        appendNative(attributeType)
        payload += value
        payload += [UInt8](repeating: 0, count: (4 - length % 4) % 4)
    }

    private mutating func appendNative<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { payload += $0 }
    }

    public mutating func addUInt32(_ attributeType: UInt16, _ value: UInt32) {
        appendAttribute(attributeType, withUnsafeBytes(of: value) { Array($0) })
    }

    /// runc's Boolmsg: a u32 0 or 1.
    public mutating func addBool(_ attributeType: UInt16, _ value: Bool) {
        addUInt32(attributeType, value ? 1 : 0)
    }

    /// runc's Bytemsg: the bytes plus a NUL that nla_len counts.
    public mutating func addString(_ attributeType: UInt16, _ value: String) {
        appendAttribute(attributeType, Array(value.utf8) + [0])
    }

    public var bytes: [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(16 + payload.count)
        withUnsafeBytes(of: UInt32(16 + payload.count)) { message += $0 }
        withUnsafeBytes(of: type) { message += $0 }
        withUnsafeBytes(of: UInt16(1)) { message += $0 }  // NLM_F_REQUEST
        withUnsafeBytes(of: UInt32(1)) { message += $0 }  // seq: Go's first request
        withUnsafeBytes(of: UInt32(0)) { message += $0 }  // pid
        return message + payload
    }
}
