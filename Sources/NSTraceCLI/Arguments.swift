/// A cursor over a verb's arguments that understands `--opt value`, `--opt=value`,
/// flags, and `--` (everything after it is positional).
public struct Arguments {
    private var items: ArraySlice<String>
    public let verb: String
    public private(set) var positionals: [String] = []
    private var sawDoubleDash = false

    public init(_ items: [String], verb: String) {
        self.items = items[...]
        self.verb = verb
    }

    public enum Item: Equatable {
        case option(String)
        case positional(String)
    }

    private var pendingInlineValue: String?

    /// The next option name (`--json`, `-h`) or positional argument; nil at the end.
    public mutating func next() -> Item? {
        guard let item = items.popFirst() else { return nil }
        if sawDoubleDash { return .positional(item) }
        if item == "--" {
            sawDoubleDash = true
            return next()
        }
        if item.hasPrefix("--"), let equals = item.firstIndex(of: "=") {
            pendingInlineValue = String(item[item.index(after: equals)...])
            return .option(String(item[..<equals]))
        }
        if item.hasPrefix("-") && item != "-" { return .option(item) }
        return .positional(item)
    }

    /// The value of the option just returned by `next()`.
    public mutating func value(for option: String) throws -> String {
        if let inline = pendingInlineValue {
            pendingInlineValue = nil
            return inline
        }
        guard let value = items.popFirst() else {
            throw UsageError("option '\(option)' needs a value", verb: verb)
        }
        return value
    }

    /// Call after handling a flag (an option without value) so `--json=x` is refused.
    public mutating func flag(_ option: String) throws {
        if pendingInlineValue != nil {
            throw UsageError("option '\(option)' takes no value", verb: verb)
        }
    }

    /// Everything left, unparsed (for `run -- CMD ARGS...`).
    public mutating func remaining() -> [String] {
        defer { items = [] }
        return Array(items)
    }

    public var afterDoubleDash: Bool { sawDoubleDash }

    public func unknown(_ option: String) -> UsageError {
        UsageError("unknown option '\(option)'", verb: verb)
    }
}
