/// Appends one JSON object and its newline to a byte buffer, keys in insertion order, strings
/// escaped by `JSONString`. Keys are our own literals and need no escaping.
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
        writer.bytes.append(UInt8(ascii: "}"))
        writer.bytes.append(UInt8(ascii: "\n"))
        swap(&writer.bytes, &buffer)
    }

    private mutating func key(_ key: StaticString) {
        if bytes.count > start + 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func add(_ name: StaticString, _ value: String) {
        key(name)
        JSONString.append(value, to: &bytes)
    }

    /// `first` and `second` as one string.
    public mutating func add(_ name: StaticString, _ first: String, _ second: String) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        JSONString.appendEscaped(first, to: &bytes)
        JSONString.appendEscaped(second, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func add(_ name: StaticString, _ value: Int64) {
        key(name)
        appendDecimal(value)
    }

    public mutating func add(_ name: StaticString, _ value: Int) { add(name, Int64(value)) }

    /// A number as a JSON string (`"mono_ns":"123"`): jq would round a 19-digit number.
    public mutating func addQuoted(_ name: StaticString, _ value: UInt64) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        appendDigits(value)
        bytes.append(UInt8(ascii: "\""))
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
}
