/// JSON string unescaping without Foundation (escaping: `JSONString` in NSTraceCore).
enum JSONText {
    /// Decodes the inside of a JSON string literal (without quotes). Invalid escapes are
    /// kept as written; invalid UTF-8 becomes U+FFFD.
    static func unescape(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                output.append(byte)
                index += 1
                continue
            }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "n"): output.append(0x0a)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "r"): output.append(0x0d)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0c)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(bytes, at: index) else {
                    output.append(contentsOf: [UInt8(ascii: "\\"), escape])
                    continue
                }
                index += 4
                if (0xd800..<0xdc00).contains(scalar), index + 6 <= bytes.count,
                   bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                   let low = hex4(bytes, at: index + 2), (0xdc00..<0xe000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                    index += 6
                }
                let character = Unicode.Scalar(scalar) ?? "\u{fffd}"
                output.append(contentsOf: Array(String(Character(character)).utf8))
            default: output.append(escape)  // \" \\ \/
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hex4(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }
}
