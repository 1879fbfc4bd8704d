import NSTraceCore
import Testing

@Suite struct BootstrapDataTests {
    /// The worked example of ../shared/reference/runc-nsexec.md §2.4: a root-run container
    /// with a new user namespace and every other namespace, maps 0 100000 65536,
    /// oom_score_adj -999. These are the bytes runc's Go encoder produces.
    static let runcExample: [UInt8] = [
        0x5c, 0x00, 0x00, 0x00, 0x30, 0xf2, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x08, 0x00, 0x91, 0x6a, 0x00, 0x00, 0x02, 0x7e,
        0x14, 0x00, 0x93, 0x6a] + Array("0 100000 65536\n".utf8) + [0x00,
        0x14, 0x00, 0x94, 0x6a] + Array("0 100000 65536\n".utf8) + [0x00,
        0x08, 0x00, 0x95, 0x6a, 0x01, 0x00, 0x00, 0x00,
        0x09, 0x00, 0x96, 0x6a, 0x2d, 0x39, 0x39, 0x39, 0x00, 0x00, 0x00, 0x00,
        0x08, 0x00, 0x97, 0x6a, 0x00, 0x00, 0x00, 0x00,
    ]

    static var runcExampleData: BootstrapData {
        var data = BootstrapData()
        data.create = NamespaceSet([.user, .mnt, .uts, .ipc, .pid, .net, .cgroup])
        data.uidMap = [IDMapping(containerID: 0, hostID: 100000, size: 65536)]
        data.gidMap = data.uidMap
        data.setgroups = true
        data.oomScoreAdj = -999
        return data
    }

    @Test func encodesRuncsWorkedExampleByteForByte() {
        #expect(Self.runcExample.count == 92)
        #expect(Self.runcExampleData.message.bytes == Self.runcExample)
    }

    @Test func ordersJoinedNamespacesUserFirstLikeRunc() {
        var data = BootstrapData()
        data.join = [.mnt: "/proc/42/ns/mnt", .net: "/proc/42/ns/net", .user: "/proc/42/ns/user"]
        let bytes = data.message.bytes
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("user:/proc/42/ns/user,net:/proc/42/ns/net,mnt:/proc/42/ns/mnt"))
        // A joined user namespace carries no maps.
        data.uidMap = [IDMapping(containerID: 0, hostID: 0, size: 1)]
        #expect(data.message.bytes == bytes)
    }

    @Test func padsStringAttributesToFourBytes() {
        var message = NetlinkMessage(type: 62100)
        message.addString(27400, "ab")  // 4 + 3 bytes, padded to 8
        message.addString(27400, "abc")  // 4 + 4 bytes, no padding
        let bytes = message.bytes
        #expect(bytes.count == 16 + 8 + 8)
        #expect(bytes[16] == 7 && bytes[24] == 8)
        #expect(Array(bytes[20..<24]) == [0x61, 0x62, 0, 0])
    }

    @Test func parsesIDMappingsFromTheCommandLine() {
        #expect(IDMapping(colonSeparated: "0:1000:1") == IDMapping(containerID: 0, hostID: 1000, size: 1))
        #expect(IDMapping(colonSeparated: "0:1000") == nil)
        #expect(IDMapping(colonSeparated: "0:1000:0") == nil)
        #expect(IDMapping(colonSeparated: "a:1:1") == nil)
        #expect(IDMapping.mapFile([.init(containerID: 0, hostID: 5, size: 2), .init(containerID: 2, hostID: 9, size: 1)])
                == "0 5 2\n2 9 1\n")
    }
}
