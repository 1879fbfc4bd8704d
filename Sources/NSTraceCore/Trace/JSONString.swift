#if canImport(Glibc)
import Glibc
#endif

/// JSON string literals (RFC 8259) for all the JSON nstrace writes, its trace lines and the
/// collector's reports: quotes, backslashes and control characters escaped, and also U+007F,
/// U+2028 and U+2029, which some readers take for a control or a line end (JavaScript did,
/// before ES2019). Every other byte is copied; nothing here trusts the text to be printable.
public enum JSONString {
    /// The most bytes `text` can take escaped: six a byte (`\u00XX`).
    public static func maxEscapedCount(_ text: String) -> Int { text.utf8.count * 6 }

    /// Writes `text` escaped, without quotes, at `out`, which has room for
    /// `maxEscapedCount(text)` bytes; returns how many it wrote. Raw memory, not an array:
    /// the parent formats its trace lines while a start waits on it, and appending byte by
    /// byte to an array cost several times the work.
    public static func escape(_ text: String, into out: UnsafeMutableRawPointer) -> Int {
        var text = text
        return text.withUTF8 { utf8 in
            guard let source = utf8.baseAddress else { return 0 }
            var written = 0
            // Runs that need no escape (nearly all of the text) are copied whole.
            var start = 0
            var index = 0
            func copyRun() {
                memcpy(out + written, source + start, index - start)
                written += index - start
            }
            func put(_ byte: UInt8) {
                out.storeBytes(of: byte, toByteOffset: written, as: UInt8.self)
                written += 1
            }
            while index < utf8.count {
                let byte = utf8[index]
                // Printable ASCII but '"' and '\\', nearly all of it, needs nothing.
                if byte &- 0x20 < 0x5f && byte != 0x22 && byte != 0x5c {
                    index += 1
                    continue
                }
                let separator = byte == 0xe2 && index + 2 < utf8.count && utf8[index + 1] == 0x80
                    && (utf8[index + 2] == 0xa8 || utf8[index + 2] == 0xa9)
                guard byte < 0x20 || byte == 0x22 || byte == 0x5c || byte == 0x7f || separator else {
                    index += 1
                    continue
                }
                copyRun()
                put(0x5c)
                if separator {
                    for digit in [UInt8(ascii: "u"), 0x32, 0x30, 0x32, utf8[index + 2] == 0xa8 ? 0x38 : 0x39] { put(digit) }
                    index += 3
                } else {
                    switch byte {
                    case 0x22, 0x5c: put(byte)
                    case 0x0a: put(UInt8(ascii: "n"))
                    case 0x0d: put(UInt8(ascii: "r"))
                    case 0x09: put(UInt8(ascii: "t"))
                    case 0x08: put(UInt8(ascii: "b"))
                    case 0x0c: put(UInt8(ascii: "f"))
                    default:
                        let digits: StaticString = "0123456789abcdef"
                        for digit in [UInt8(ascii: "u"), 0x30, 0x30, digits.utf8Start[Int(byte >> 4)], digits.utf8Start[Int(byte & 15)]] {
                            put(digit)
                        }
                    }
                    index += 1
                }
                start = index
            }
            copyRun()
            return written
        }
    }

    /// Appends `text`, quoted, to `bytes`.
    public static func append(_ text: String, to bytes: inout [UInt8]) {
        let room = maxEscapedCount(text) + 2
        withUnsafeTemporaryAllocation(byteCount: room, alignment: 1) { buffer in
            let out = buffer.baseAddress!
            out.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
            let count = escape(text, into: out + 1) + 2
            out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: count - 1, as: UInt8.self)
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: out, count: count))
        }
    }

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        String(unsafeUninitializedCapacity: maxEscapedCount(text) + 2) { buffer in
            let out = UnsafeMutableRawPointer(buffer.baseAddress!)
            out.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
            let count = escape(text, into: out + 1) + 2
            out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: count - 1, as: UInt8.self)
            return count
        }
    }
}
