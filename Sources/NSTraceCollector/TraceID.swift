import NSTraceCore

/// A W3C trace id (32 hex digits), stored as two integers so hashing and comparing are cheap.
public struct TraceID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses 32 hex digits (either case); nil otherwise.
    public init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 32,
              let high = HexDigits.parse(bytes[0..<16]), let low = HexDigits.parse(bytes[16..<32]) else { return nil }
        self.init(high: high, low: low)
    }

    /// 32 lowercase hex digits, as in the trace.
    public var description: String { Hex.format(high) + Hex.format(low) }

    public static func == (lhs: TraceID, rhs: TraceID) -> Bool {
        lhs.high == rhs.high && lhs.low == rhs.low
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(high)
        hasher.combine(low)
    }

    /// What `Set` and `Dictionary` hash with: a seeded 64-bit mix instead of SipHash, which
    /// was ~3% of `nstrace summary` (one table lookup per event). Random trace ids need no
    /// more; the per-table seed still varies bucket order from run to run.
    public func _rawHashValue(seed: Int) -> Int {
        @inline(__always) func mix(_ value: UInt64) -> UInt64 {
            var x = value
            x = (x ^ (x >> 33)) &* 0xff51_afd7_ed55_8ccd
            x = (x ^ (x >> 33)) &* 0xc4ce_b9fe_1a85_ec53
            return x ^ (x >> 33)
        }
        return Int(truncatingIfNeeded: mix(mix(high ^ UInt64(UInt(bitPattern: seed))) ^ low))
    }

    public static func < (lhs: TraceID, rhs: TraceID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

/// Hex conversions without Foundation.
enum HexDigits {
    static func parse(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for digit in digits {
            let nibble: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = digit - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }
}
