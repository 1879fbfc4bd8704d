/// Appends one JSON object and its newline to a byte buffer, keys in insertion order. Strings
/// are escaped per RFC 8259; nothing here trusts its input to be printable.
public struct JSONLineWriter {
    private var bytes: [UInt8]
    /// Where this object starts in `bytes`: a key after the first needs a comma.
    private let start: Int

    private init(start: Int) {
        bytes = []
        self.start = start
    }

    /// Builds a line at the end of `buffer`, in place: its storage moves into the writer
    /// and back, so nothing is copied.
    public static func appendLine(to buffer: inout [UInt8], _ build: (inout JSONLineWriter) -> Void) {
        var writer = JSONLineWriter(start: buffer.count)
        swap(&writer.bytes, &buffer)
        writer.bytes.append(UInt8(ascii: "{"))
        build(&writer)
        writer.bytes += [UInt8(ascii: "}"), UInt8(ascii: "\n")]
        swap(&writer.bytes, &buffer)
    }

    private mutating func key(_ key: String) {
        if bytes.count > start + 1 { bytes.append(UInt8(ascii: ",")) }
        appendString(key)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func add(_ name: String, _ value: String) {
        key(name)
        appendString(value)
    }

    public mutating func add(_ name: String, _ value: Int64) {
        key(name)
        appendDecimal(value)
    }

    public mutating func add(_ name: String, _ value: Int) { add(name, Int64(value)) }

    /// A number as a JSON string (`"mono_ns":"123"`): jq would round a 19-digit number.
    public mutating func addQuoted(_ name: String, _ value: UInt64) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        appendDigits(value)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func add(_ name: String, _ value: Bool) {
        key(name)
        bytes += value ? Array("true".utf8) : Array("false".utf8)
    }

    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude)
    }

    private mutating func appendDigits(_ value: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var value = value
            var index = digits.count
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0
            bytes.append(contentsOf: digits[index...])
        }
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
}
