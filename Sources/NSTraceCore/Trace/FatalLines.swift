#if canImport(Glibc)
import Glibc
#endif

/// The `msg` of every `"level":"fatal"` line of one trace, so that a failed start tells the
/// user why right away (runc >= 1.4 appends these to its error the same way).
public enum FatalLines {
    public static func read(fd: Int32, traceID: String, limit: Int = 8 << 20) throws(Errno) -> [String] {
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var offset: off_t = 0
        while contents.count < limit {
            let got = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if got < 0 {
                if errno == EINTR { continue }
                throw Errno.current
            }
            if got == 0 { break }
            contents += chunk[..<got]
            offset += off_t(got)
        }
        let traceKey = Array("\"trace_id\":\"\(traceID)\"".utf8)
        let fatalKey = Array("\"level\":\"fatal\"".utf8)
        let parentKey = Array("\"stage\":\"parent\"".utf8)  // the caller reports its own error
        return contents.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard contains(line, fatalKey), contains(line, traceKey), !contains(line, parentKey) else { return nil }
            return stringValue(of: "msg", in: line)
        }
    }

    private static func contains(_ line: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard line.count >= needle.count else { return false }
        var index = line.startIndex
        while index + needle.count <= line.endIndex {
            if line[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// The unescaped value of a top-level string field written by json-c or ParentTracer.
    static func stringValue(of key: String, in line: ArraySlice<UInt8>) -> String? {
        let needle = Array("\"\(key)\":\"".utf8)
        var index = line.startIndex
        while index + needle.count <= line.endIndex, !line[index..<index + needle.count].elementsEqual(needle) {
            index += 1
        }
        guard index + needle.count <= line.endIndex else { return nil }
        var value: [UInt8] = []
        var position = index + needle.count
        while position < line.endIndex, line[position] != UInt8(ascii: "\"") {
            var byte = line[position]
            if byte == UInt8(ascii: "\\"), position + 1 < line.endIndex {
                position += 1
                switch line[position] {
                case UInt8(ascii: "n"): byte = UInt8(ascii: "\n")
                case UInt8(ascii: "t"): byte = UInt8(ascii: "\t")
                case UInt8(ascii: "r"): byte = UInt8(ascii: "\r")
                case UInt8(ascii: "u"): byte = UInt8(ascii: "?"); position += 4
                default: byte = line[position]
                }
            }
            value.append(byte)
            position += 1
        }
        return String(decoding: value, as: UTF8.self)
    }
}
