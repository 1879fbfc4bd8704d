/// A fixed log-linear histogram of nanosecond durations on a 3-significant-digit grid.
///
/// Bucket upper bounds ("le" bounds) are every integer 0…999 ns, then every d.dd × 10^k ns
/// for k ≥ 3 (1000, 1010, …, 9990, 10000, 10100, …): each bound of the form d.dd × 10^k ns
/// is a bucket boundary, so a Prometheus bucket bound such as `le="0.0025"` (2.5 ms =
/// 2 500 000 ns) is answered exactly by `cumulativeCount(atOrBelow:)`. A bucket counts the
/// values in (previous bound, bound].
///
/// **Error bound.** `quantile(_:)` returns the midpoint of the bucket holding the
/// nearest-rank quantile, clamped to the observed min and max. Below 1000 ns it is exact;
/// above, a bucket (b − u, b] with b ≥ 100·u is at most u wide, so the midpoint is within
/// u/2 ≤ 0.5% of any value in it: **relative error ≤ 0.5%**.
///
/// **Memory.** The 16 300 counters are kept in blocks of 100 neighbouring buckets, each
/// allocated on first use: a step whose durations span three decades costs ~20 KB, and a
/// rare outlier only one more 800-byte block.
public struct LatencyHistogram: Sendable, Equatable {
    /// Number of recorded values.
    public private(set) var count: UInt64 = 0
    /// Sum of recorded values in nanoseconds (wraps only after 584 years of total time).
    public private(set) var sumNanoseconds: UInt64 = 0
    /// Smallest recorded value (0 when empty).
    public private(set) var minNanoseconds: UInt64 = 0
    /// Largest recorded value (0 when empty).
    public private(set) var maxNanoseconds: UInt64 = 0

    /// Buckets by global index: 0…999 are the values 0…999 ns; then chunk c ≥ 1 (bounds
    /// m·10^c, m in 100…999) starts at 1000 + (c − 1)·900. Stored as blocks of 100.
    private var blocks: [[UInt64]] = Array(repeating: [], count: LatencyHistogram.blockCount)
    private var blockTotals: [UInt64] = Array(repeating: 0, count: LatencyHistogram.blockCount)

    static let bucketCount = 1000 + (chunkCount - 1) * 900
    static let blockSize = 100
    static let blockCount = bucketCount / blockSize
    static let chunkCount = 18
    /// 10^exponent for 0...19 (a switch: no global array to load on the `record` path).
    @inline(__always)
    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        switch exponent {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1_000
        case 4: return 10_000
        case 5: return 100_000
        case 6: return 1_000_000
        case 7: return 10_000_000
        case 8: return 100_000_000
        case 9: return 1_000_000_000
        case 10: return 10_000_000_000
        case 11: return 100_000_000_000
        case 12: return 1_000_000_000_000
        case 13: return 10_000_000_000_000
        case 14: return 100_000_000_000_000
        case 15: return 1_000_000_000_000_000
        case 16: return 10_000_000_000_000_000
        case 17: return 100_000_000_000_000_000
        case 18: return 1_000_000_000_000_000_000
        default: return 10_000_000_000_000_000_000
        }
    }

    public init() {}

    /// Where `nanoseconds` falls: (chunk, index in chunk). The bucket's upper bound is the
    /// smallest grid point >= `nanoseconds`.
    @inline(__always)
    private static func bucket(of nanoseconds: UInt64) -> (chunk: Int, index: Int) {
        if nanoseconds <= 999 { return (0, Int(nanoseconds)) }
        // Decimal digits from the bit length (log10(2) ≈ 1233/4096), corrected by one compare.
        let bits = 64 - nanoseconds.leadingZeroBitCount
        var digits = (bits * 1233) >> 12
        if digits < 20 && nanoseconds >= powerOfTen(digits) { digits += 1 }
        // nanoseconds has `digits` digits (>= 4): bounds of its decade are m·10^(digits-3).
        var chunk = min(digits - 3, chunkCount - 1)
        var unit = powerOfTen(chunk)
        var mantissa = nanoseconds / unit + (nanoseconds % unit == 0 ? 0 : 1)
        if mantissa > 999 && chunk < chunkCount - 1 {
            // Above 999·10^c the next bound is 100·10^(c+1).
            chunk += 1
            unit *= 10
            mantissa = nanoseconds / unit + (nanoseconds % unit == 0 ? 0 : 1)
        }
        return (chunk, Int(mantissa) - 100)
    }

    private static func upperBound(chunk: Int, index: Int) -> UInt64 {
        if chunk == 0 { return UInt64(index) }
        // The top bucket's bound (185·10^17) is past UInt64.max: saturate.
        let (bound, overflow) = UInt64(index + 100).multipliedReportingOverflow(by: powerOfTen(chunk))
        return overflow ? .max : bound
    }

    private static func lowerBound(chunk: Int, index: Int) -> UInt64 {
        if chunk == 0 { return UInt64(index) }
        if index > 0 { return UInt64(index + 99) * powerOfTen(chunk) }
        return chunk == 1 ? 999 : 999 * powerOfTen(chunk - 1)
    }

    private static func globalIndex(chunk: Int, index: Int) -> Int {
        chunk == 0 ? index : 1000 + (chunk - 1) * 900 + index
    }

    private static func chunkAndIndex(_ global: Int) -> (chunk: Int, index: Int) {
        global < 1000 ? (0, global) : ((global - 1000) / 900 + 1, (global - 1000) % 900)
    }

    public mutating func record(nanoseconds: UInt64) {
        let (chunk, index) = Self.bucket(of: nanoseconds)
        let global = Self.globalIndex(chunk: chunk, index: index)
        let block = global / Self.blockSize
        if blocks[block].isEmpty { blocks[block] = Array(repeating: 0, count: Self.blockSize) }
        blocks[block][global % Self.blockSize] &+= 1
        blockTotals[block] &+= 1
        if count == 0 || nanoseconds < minNanoseconds { minNanoseconds = nanoseconds }
        if nanoseconds > maxNanoseconds { maxNanoseconds = nanoseconds }
        count &+= 1
        sumNanoseconds &+= nanoseconds
    }

    /// How many recorded values are <= `nanoseconds`. Exact when `nanoseconds` is a grid
    /// point (any integer below 1000, or d.dd × 10^k); otherwise the count up to the grid
    /// point just below it.
    public func cumulativeCount(atOrBelow nanoseconds: UInt64) -> UInt64 {
        if nanoseconds >= maxNanoseconds { return count }
        let (chunk, index) = Self.bucket(of: nanoseconds)
        let inclusive = Self.upperBound(chunk: chunk, index: index) == nanoseconds
        let global = Self.globalIndex(chunk: chunk, index: index)
        let last = inclusive ? global : global - 1   // the last bucket wholly at or below
        guard last >= 0 else { return 0 }
        let block = last / Self.blockSize
        var total: UInt64 = 0
        for earlier in 0..<block { total &+= blockTotals[earlier] }
        if !blocks[block].isEmpty {
            for position in 0...(last % Self.blockSize) { total &+= blocks[block][position] }
        }
        return total
    }

    /// The nearest-rank `q`-quantile (0 ≤ q ≤ 1) within 0.5% (see the type's note); 0 when empty.
    public func quantile(_ q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let clamped = min(max(q, 0), 1)
        var rank = UInt64((clamped * Double(count)).rounded(.up))
        rank = min(max(rank, 1), count)
        if rank == count { return maxNanoseconds }
        var seen: UInt64 = 0
        for block in 0..<Self.blockCount where blockTotals[block] > 0 {
            if seen + blockTotals[block] < rank {
                seen += blockTotals[block]
                continue
            }
            for (offset, bucketCount) in blocks[block].enumerated() where bucketCount > 0 {
                seen += bucketCount
                if seen >= rank {
                    let (chunk, index) = Self.chunkAndIndex(block * Self.blockSize + offset)
                    let lower = Self.lowerBound(chunk: chunk, index: index)
                    let upper = Self.upperBound(chunk: chunk, index: index)
                    let midpoint = chunk == 0 ? upper : lower + (upper - lower) / 2
                    return min(max(midpoint, minNanoseconds), maxNanoseconds)
                }
            }
        }
        return maxNanoseconds
    }

    /// Adds `other`'s values into this histogram.
    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for block in 0..<Self.blockCount where other.blockTotals[block] > 0 {
            if blocks[block].isEmpty { blocks[block] = Array(repeating: 0, count: Self.blockSize) }
            for (offset, value) in other.blocks[block].enumerated() where value > 0 {
                blocks[block][offset] &+= value
            }
            blockTotals[block] &+= other.blockTotals[block]
        }
        if count == 0 || other.minNanoseconds < minNanoseconds { minNanoseconds = other.minNanoseconds }
        maxNanoseconds = max(maxNanoseconds, other.maxNanoseconds)
        count &+= other.count
        sumNanoseconds &+= other.sumNanoseconds
    }

    /// Calls `body` with each non-empty bucket's upper bound and count, in ascending order.
    public func forEachBucket(_ body: (_ upperBoundNanoseconds: UInt64, _ count: UInt64) -> Void) {
        for block in 0..<Self.blockCount where blockTotals[block] > 0 {
            for (offset, value) in blocks[block].enumerated() where value > 0 {
                let (chunk, index) = Self.chunkAndIndex(block * Self.blockSize + offset)
                body(Self.upperBound(chunk: chunk, index: index), value)
            }
        }
    }

    /// The grid point a value is counted under (the smallest bound >= `nanoseconds`).
    public static func bucketUpperBound(containing nanoseconds: UInt64) -> UInt64 {
        let (chunk, index) = bucket(of: nanoseconds)
        return upperBound(chunk: chunk, index: index)
    }
}
