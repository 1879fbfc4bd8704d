#if canImport(Glibc)
import Glibc
#endif

/// Writes one JSON object and its newline into raw memory the caller sized, keys in insertion
/// order, strings escaped by `JSONString`. Keys are our own literals and need no escaping.
/// A field that would not fit in the room left is left out and the line marked
/// `"truncated":true`; `room(strings:fields:)` sizes lines so that never happens.
public struct JSONLineWriter {
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    /// Bytes written so far.
    public private(set) var count = 0
    private var truncated = false

    /// What a field costs beyond its escaped strings: key, quotes, separators, a number.
    static let fieldRoom = 64

    /// Room for a line with `fields` fields whose strings total `strings` bytes of UTF-8.
    public static func room(strings: Int, fields: Int) -> Int { strings * 6 + fields * fieldRoom + 64 }

    /// Writes a line at `base` (which has `capacity` bytes): `{`, what `build` adds, `}` and a
    /// newline. Returns the line's length.
    public static func write(at base: UnsafeMutableRawPointer, capacity: Int, _ build: (inout JSONLineWriter) -> Void) -> Int {
        var writer = JSONLineWriter(base: base, capacity: capacity)
        writer.put(UInt8(ascii: "{"))
        build(&writer)
        if writer.truncated { writer.put(",\"truncated\":true") }  // `key` keeps room for it
        writer.put(UInt8(ascii: "}"))
        writer.put(UInt8(ascii: "\n"))
        return writer.count
    }

    private init(base: UnsafeMutableRawPointer, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    private mutating func put(_ byte: UInt8) {
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    private mutating func put(_ text: StaticString) {
        memcpy(base + count, text.utf8Start, text.utf8CodeUnitCount)
        count += text.utf8CodeUnitCount
    }

    /// The key, after a comma unless it is the first; false (and the line marked) when the
    /// field would not fit with `strings` bytes of string.
    @discardableResult
    private mutating func key(_ name: StaticString, strings: Int = 0) -> Bool {
        // The `truncated` mark and the closing brace and newline always fit.
        guard capacity - count - 32 >= Self.fieldRoom + strings * 6 else {
            truncated = true
            return false
        }
        if count > 1 { put(UInt8(ascii: ",")) }
        put(UInt8(ascii: "\""))
        put(name)
        put("\":")
        return true
    }

    private mutating func putString(_ value: String) {
        put(UInt8(ascii: "\""))
        count += JSONString.escape(value, into: base + count)
        put(UInt8(ascii: "\""))
    }

    public mutating func add(_ name: StaticString, _ value: String) {
        guard key(name, strings: value.utf8.count) else { return }
        putString(value)
    }

    /// A string known to need no escape: an id of hex digits or one of our own names. Copied
    /// whole, where escaping looks at every byte.
    public mutating func add(_ name: StaticString, plain value: String) {
        var value = value
        guard key(name, strings: value.utf8.count) else { return }
        put(UInt8(ascii: "\""))
        value.withUTF8 { utf8 in
            if let source = utf8.baseAddress { memcpy(base + count, source, utf8.count) }
            count += utf8.count
        }
        put(UInt8(ascii: "\""))
    }

    /// `first` and `second` as one string.
    public mutating func add(_ name: StaticString, _ first: String, _ second: String) {
        guard key(name, strings: first.utf8.count + second.utf8.count) else { return }
        put(UInt8(ascii: "\""))
        count += JSONString.escape(first, into: base + count)
        count += JSONString.escape(second, into: base + count)
        put(UInt8(ascii: "\""))
    }

    public mutating func add(_ name: StaticString, _ value: Int64) {
        guard key(name) else { return }
        if value < 0 { put(UInt8(ascii: "-")) }
        putDigits(value.magnitude)
    }

    public mutating func add(_ name: StaticString, _ value: Int) { add(name, Int64(value)) }

    /// A number as a JSON string (`"mono_ns":"123"`): jq would round a 19-digit number.
    public mutating func addQuoted(_ name: StaticString, _ value: UInt64) {
        guard key(name) else { return }
        put(UInt8(ascii: "\""))
        putDigits(value)
        put(UInt8(ascii: "\""))
    }

    private mutating func putDigits(_ value: UInt64) {
        var length = 1
        var rest = value / 10
        while rest > 0 {
            length += 1
            rest /= 10
        }
        var value = value
        for index in stride(from: count + length - 1, through: count, by: -1) {
            base.storeBytes(of: UInt8(ascii: "0") + UInt8(value % 10), toByteOffset: index, as: UInt8.self)
            value /= 10
        }
        count += length
    }
}
