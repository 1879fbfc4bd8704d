/// One line of a uid_map or gid_map: `containerID hostID size`.
public struct IDMapping: Sendable, Hashable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32

    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }

    /// Parses `C:H:N` as given on the command line.
    public init?(colonSeparated text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let c = UInt32(parts[0]), let h = UInt32(parts[1]), let n = UInt32(parts[2]), n > 0
        else { return nil }
        self.init(containerID: c, hostID: h, size: n)
    }

    /// The form `/proc/PID/uid_map` takes (and runc's encodeIDMapping writes).
    public static func mapFile(_ mappings: [IDMapping]) -> String {
        mappings.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
    }
}
