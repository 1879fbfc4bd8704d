/// Builds one JSON object as bytes, keys in insertion order. Strings are escaped per RFC 8259;
/// nothing here trusts its input to be printable.
public struct JSONLineWriter {
    public private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]

    public init() { bytes.reserveCapacity(512) }

    private mutating func key(_ key: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        appendString(key)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func add(_ name: String, _ value: String) {
        key(name)
        appendString(value)
    }

    public mutating func add(_ name: String, _ value: Int64) {
        key(name)
        bytes += Array(String(value).utf8)
    }

    public mutating func add(_ name: String, _ value: Int) { add(name, Int64(value)) }

    public mutating func add(_ name: String, _ value: Bool) {
        key(name)
        bytes += Array((value ? "true" : "false").utf8)
    }

    private mutating func appendString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Runs of bytes that need no escape (nearly all of them) go in whole.
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5c || byte == 0x7f {
                bytes.append(contentsOf: utf8[start..<index])
                appendEscape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: utf8[start...])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes += [92, 34]
        case UInt8(ascii: "\\"): bytes += [92, 92]
        case UInt8(ascii: "\n"): bytes += [92, UInt8(ascii: "n")]
        case UInt8(ascii: "\r"): bytes += [92, UInt8(ascii: "r")]
        case UInt8(ascii: "\t"): bytes += [92, UInt8(ascii: "t")]
        default:
            let digits = Array("0123456789abcdef".utf8)
            bytes += [92, UInt8(ascii: "u"), 48, 48, digits[Int(byte >> 4)], digits[Int(byte & 15)]]
        }
    }

    /// The finished line, with its `}` and newline.
    public var line: [UInt8] { bytes + [UInt8(ascii: "}"), UInt8(ascii: "\n")] }
}
