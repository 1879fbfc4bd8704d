import NSTraceCore

/// A small JSON encoder that writes keys in the order they are given (stable output for
/// scripts and golden tests) with proper string escaping. No Foundation.
public struct JSONWriter {
    public private(set) var text = ""
    /// Per open container: has it got a member yet?
    private var needsComma: [Bool] = []

    public init() {}

    private mutating func separate() {
        if let last = needsComma.last {
            if last { text += "," }
            needsComma[needsComma.count - 1] = true
        }
    }

    private mutating func key(_ name: String?) {
        separate()
        if let name { text += JSONString.quoted(name) + ":" }
    }

    public mutating func beginObject(_ name: String? = nil) {
        key(name)
        text += "{"
        needsComma.append(false)
    }

    public mutating func endObject() {
        needsComma.removeLast()
        text += "}"
    }

    public mutating func beginArray(_ name: String? = nil) {
        key(name)
        text += "["
        needsComma.append(false)
    }

    public mutating func endArray() {
        needsComma.removeLast()
        text += "]"
    }

    public mutating func string(_ name: String?, _ value: String) {
        key(name)
        text += JSONString.quoted(value)
    }

    public mutating func number<T: BinaryInteger>(_ name: String?, _ value: T) {
        key(name)
        text += String(value)
    }

    public mutating func null(_ name: String?) {
        key(name)
        text += "null"
    }
}
