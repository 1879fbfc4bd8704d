/// What runc's Go side sends the constructor: which namespaces to create and join, the id
/// maps, and the rest of `bootstrapData()` in libcontainer/container_linux.go.
public struct BootstrapData: Sendable, Equatable {
    public var create: NamespaceSet = []
    public var join: [Namespace: String] = [:]
    public var uidMap: [IDMapping] = []
    public var gidMap: [IDMapping] = []
    public var setgroups = false
    public var oomScoreAdj: Int?
    public var rootlessEUID = false
    public var uidMapTool: String?
    public var gidMapTool: String?
    /// `/proc/PID/timens_offsets` lines: `monotonic 5 0`.
    public var timeOffsets: [String] = []

    public init() {}

    public var message: NetlinkMessage {
        var message = NetlinkMessage(type: NetlinkProtocol.initMessage)
        message.addUInt32(NetlinkProtocol.cloneFlags, create.rawValue)
        if !join.isEmpty {
            let paths = join.keys.sorted().map { "\($0.rawValue):\(join[$0]!)" }
            message.addString(NetlinkProtocol.namespacePaths, paths.joined(separator: ","))
        }
        if join[.user] == nil {
            if !uidMap.isEmpty {
                if rootlessEUID, let uidMapTool { message.addString(NetlinkProtocol.uidMapPath, uidMapTool) }
                message.addString(NetlinkProtocol.uidMap, IDMapping.mapFile(uidMap))
            }
            if !gidMap.isEmpty {
                message.addString(NetlinkProtocol.gidMap, IDMapping.mapFile(gidMap))
                if rootlessEUID, let gidMapTool { message.addString(NetlinkProtocol.gidMapPath, gidMapTool) }
                if setgroups { message.addBool(NetlinkProtocol.setgroups, true) }
            }
        }
        if let oomScoreAdj { message.addString(NetlinkProtocol.oomScoreAdj, String(oomScoreAdj)) }
        message.addBool(NetlinkProtocol.rootlessEUID, rootlessEUID)
        if join[.time] == nil && !timeOffsets.isEmpty {
            message.addString(NetlinkProtocol.timeNamespaceOffsets, timeOffsets.map { $0 + "\n" }.joined())
        }
        return message
    }
}

/// What stage-2 execs once the parent has reaped stage-0.
public struct ExecRequest: Sendable, Equatable {
    public var arguments: [String]
    public var environment: [String]
    public var directory: String?
    public var hostname: String?

    public init(arguments: [String], environment: [String], directory: String? = nil, hostname: String? = nil) {
        self.arguments = arguments
        self.environment = environment
        self.directory = directory
        self.hostname = hostname
    }

    public var message: NetlinkMessage {
        var message = NetlinkMessage(type: NetlinkProtocol.execMessage)
        for argument in arguments { message.addString(NetlinkProtocol.execArgument, argument) }
        for variable in environment { message.addString(NetlinkProtocol.execEnvironment, variable) }
        if let directory { message.addString(NetlinkProtocol.execDirectory, directory) }
        if let hostname { message.addString(NetlinkProtocol.execHostname, hostname) }
        return message
    }
}
