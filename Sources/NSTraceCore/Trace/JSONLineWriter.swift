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
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [92, 34]
            case UInt8(ascii: "\\"): bytes += [92, 92]
            case UInt8(ascii: "\n"): bytes += [92, UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [92, UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): bytes += [92, UInt8(ascii: "t")]
            case 0..<0x20, 0x7f:
                let digits = Array("0123456789abcdef".utf8)
                bytes += [92, UInt8(ascii: "u"), 48, 48, digits[Int(byte >> 4)], digits[Int(byte & 15)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The finished line, with its `}` and newline.
    public var line: [UInt8] { bytes + [UInt8(ascii: "}"), UInt8(ascii: "\n")] }
}
