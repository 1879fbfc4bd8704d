#if canImport(Glibc)
import Glibc
#endif

/// Blocking whole-buffer reads and writes on raw file descriptors.
public enum FileDescriptorIO {
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Errno.current
            }
            offset += written
        }
    }

    /// Like `writeAll` on a socket from `offset` on, but a peer that is gone is EPIPE, never
    /// SIGPIPE. With `waiting: false` it stops where the socket buffer is full and returns
    /// the offset it reached.
    @discardableResult
    public static func sendAll(_ socket: Int32, _ bytes: [UInt8], from offset: Int = 0, waiting: Bool = true) throws(Errno) -> Int {
        var offset = offset
        let flags = Int32(MSG_NOSIGNAL) | (waiting ? 0 : Int32(MSG_DONTWAIT))
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(socket, $0.baseAddress! + offset, $0.count - offset, flags) }
            if sent < 0 {
                if errno == EINTR { continue }
                if !waiting && errno == EAGAIN { break }
                throw Errno.current
            }
            offset += sent
        }
        return offset
    }

    /// Reads until `count` bytes arrived or EOF; the result is shorter at EOF.
    public static func read(_ fd: Int32, upTo count: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, count - filled) }
            if got < 0 {
                if errno == EINTR { continue }
                throw Errno.current
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    /// Reads one `\n`-terminated line (without the newline), consuming nothing after it:
    /// a socket is peeked at to find the newline (two system calls for a short line), any
    /// other fd is read byte by byte. Nil at EOF before any newline.
    public static func readLine(_ fd: Int32, limit: Int = 4096) throws(Errno) -> [UInt8]? {
        var line: [UInt8] = []
        var peeked = [UInt8](repeating: 0, count: 256)
        while line.count < limit {
            let want = min(peeked.count, limit - line.count)
            let got = peeked.withUnsafeMutableBytes { recv(fd, $0.baseAddress, want, Int32(MSG_PEEK)) }
            if got < 0 {
                if errno == EINTR { continue }
                if errno == ENOTSOCK { return try readLineByByte(fd, limit: limit, line: line) }
                throw Errno.current
            }
            if got == 0 { return nil }
            let newline = peeked[..<got].firstIndex(of: UInt8(ascii: "\n"))
            let take = newline.map { $0 + 1 } ?? got
            let consumed = try read(fd, upTo: take)
            guard consumed.count == take else { return nil }
            if newline != nil { return line + consumed.dropLast() }
            line += consumed
        }
        return line
    }

    private static func readLineByByte(_ fd: Int32, limit: Int, line: [UInt8]) throws(Errno) -> [UInt8]? {
        var line = line
        var byte: UInt8 = 0
        while line.count < limit {
            let got = Glibc.read(fd, &byte, 1)
            if got < 0 {
                if errno == EINTR { continue }
                throw Errno.current
            }
            if got == 0 { return nil }
            if byte == UInt8(ascii: "\n") { return line }
            line.append(byte)
        }
        return line
    }
}
