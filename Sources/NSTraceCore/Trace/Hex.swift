/// Lowercase hex for trace and span ids, as W3C trace-context writes them.
public enum Hex {
    /// 16 lowercase hex digits.
    public static func format(_ value: UInt64) -> String {
        let alphabet = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 {
                buffer[index] = alphabet[Int(value >> UInt64(60 - 4 * index) & 0xf)]
            }
            return 16
        }
    }
}
