import CNSTraceSys

/// Span ids from one random seed: a getrandom(2) per span would cost more than the rest of
/// the span's line.
public struct SpanIDGenerator: Sendable {
    private var seed: UInt64 = 0
    private var counter: UInt64 = 0

    public init() {
        withUnsafeMutableBytes(of: &seed) { nst_random_bytes($0.baseAddress, $0.count) }
    }

    /// 16 hex digits; splitmix64 gives distinct counters distinct, well-spread ids.
    public mutating func next() -> String {
        counter += 1
        var x = seed &+ counter &* 0x9e37_79b9_7f4a_7c15
        x = (x ^ (x >> 30)) &* 0xbf58_476d_1ce4_e5b9
        x = (x ^ (x >> 27)) &* 0x94d0_49bb_1331_11eb
        return Hex.format(x ^ (x >> 31))
    }
}
