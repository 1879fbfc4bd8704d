#if canImport(Glibc)
import Glibc
#endif
import NSTraceCore
import Testing

/// The pid reply is read with `readLine`, and stage-2's exec reply may follow it in the same
/// socket: a line must come out whole and leave every byte after it unread.
@Suite struct FileDescriptorIOTests {
    @Test(arguments: [true, false]) func readLineTakesOneLineAndLeavesTheRest(socket: Bool) throws {
        var fds: [Int32] = [-1, -1]
        if socket {
            #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        } else {
            #expect(pipe(&fds) == 0)
        }
        defer { fds.forEach { close($0) } }
        let long = String(repeating: "x", count: 600)  // longer than one peek
        try FileDescriptorIO.writeAll(fds[1], Array("{\"stage1_pid\":7}\n\(long)\nrest".utf8))
        #expect(try FileDescriptorIO.readLine(fds[0]) == Array("{\"stage1_pid\":7}".utf8))
        #expect(try FileDescriptorIO.readLine(fds[0]) == Array(long.utf8))
        close(fds[1])
        fds[1] = -1
        #expect(try FileDescriptorIO.read(fds[0], upTo: 10) == Array("rest".utf8))
        #expect(try FileDescriptorIO.readLine(fds[0]) == nil)
    }
}
