/// JSON string literals (RFC 8259) for all the JSON nstrace writes, its trace lines and the
/// collector's reports: quotes, backslashes and control characters escaped, and also U+007F,
/// U+2028 and U+2029, which some readers take for a control or a line end (JavaScript did,
/// before ES2019). Every other byte is copied; nothing here trusts the text to be printable.
public enum JSONString {
    /// Appends `text`, quoted, to `bytes`.
    public static func append(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(text, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `text` escaped, without quotes.
    public static func appendEscaped(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            // Runs that need no escape (nearly all of the text) go in whole.
            var start = 0
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                let separator = byte == 0xe2 && index + 2 < utf8.count && utf8[index + 1] == 0x80
                    && (utf8[index + 2] == 0xa8 || utf8[index + 2] == 0xa9)
                guard byte < 0x20 || byte == 0x22 || byte == 0x5c || byte == 0x7f || separator else {
                    index += 1
                    continue
                }
                bytes.append(contentsOf: utf8[start..<index])
                if separator {
                    bytes += Array((utf8[index + 2] == 0xa8 ? "\\u2028" : "\\u2029").utf8)
                    index += 3
                } else {
                    appendEscape(byte, to: &bytes)
                    index += 1
                }
                start = index
            }
            bytes.append(contentsOf: utf8[start...])
        }
    }

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendEscape(_ byte: UInt8, to bytes: inout [UInt8]) {
        let short: UInt8? = switch byte {
        case 0x22: 0x22  // \"
        case 0x5c: 0x5c  // \\
        case 0x0a: UInt8(ascii: "n")
        case 0x0d: UInt8(ascii: "r")
        case 0x09: UInt8(ascii: "t")
        case 0x08: UInt8(ascii: "b")
        case 0x0c: UInt8(ascii: "f")
        default: nil
        }
        if let short {
            bytes += [0x5c, short]
        } else {
            let digits = Array("0123456789abcdef".utf8)
            bytes += [0x5c, UInt8(ascii: "u"), 0x30, 0x30, digits[Int(byte >> 4)], digits[Int(byte & 15)]]
        }
    }
}
