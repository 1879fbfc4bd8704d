#if canImport(Glibc)
import Glibc
#endif

/// Writes to stdout/stderr without Foundation, and decides about colour per stream:
/// colour only on a TTY, never with a non-empty `NO_COLOR` or `TERM=dumb`.
public struct Terminal: Sendable {
    public let fd: Int32

    public static let standardOutput = Terminal(fd: 1)
    public static let standardError = Terminal(fd: 2)

    public var isTTY: Bool { isatty(fd) == 1 }

    public var wantsColour: Bool {
        if let noColour = getenv("NO_COLOR"), noColour.pointee != 0 { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return isTTY
    }

    /// Terminal width in columns; `COLUMNS` wins, then the TTY, then 100.
    public var columns: Int {
        if let value = getenv("COLUMNS"), let columns = Int(String(cString: value)), columns > 20 {
            return columns
        }
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        return 100
    }

    public func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
