import Testing
@testable import NSTraceCollector

@Suite("LatencyHistogram")
struct LatencyHistogramTests {
    /// A deterministic spread of durations from 1 ns to ~100 s, log-uniform.
    static func values(count: Int, seed: UInt64) -> [UInt64] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let exponent = Double(state >> 11) / Double(1 << 53) * 11
            var power = 1.0
            for _ in 0..<Int(exponent) { power *= 10 }
            let fraction = exponent - Double(Int(exponent))
            return UInt64(power * (1 + fraction * 9))
        }
    }

    @Test("cumulativeCount is exact on every d.dd×10^k bound and on every integer below 1000")
    func exactOnGrid() {
        let values = Self.values(count: 20_000, seed: 7)
        var histogram = LatencyHistogram()
        for value in values { histogram.record(nanoseconds: value) }
        var bounds: [UInt64] = Array(0...999)
        var scale: UInt64 = 1
        for _ in 0...10 {
            for mantissa: UInt64 in stride(from: 100, through: 999, by: 37) { bounds.append(mantissa * scale * 10) }
            scale *= 10
        }
        for bound in bounds {
            let expected = UInt64(values.filter { $0 <= bound }.count)
            #expect(histogram.cumulativeCount(atOrBelow: bound) == expected, "le=\(bound)")
        }
        #expect(histogram.count == 20_000)
        #expect(histogram.sumNanoseconds == values.reduce(0, +))
        #expect(histogram.minNanoseconds == values.min())
        #expect(histogram.maxNanoseconds == values.max())
    }

    @Test("quantiles are within 0.5% of the exact nearest-rank quantile")
    func quantileErrorBound() {
        let values = Self.values(count: 50_000, seed: 99).sorted()
        var histogram = LatencyHistogram()
        for value in values.reversed() { histogram.record(nanoseconds: value) }
        for q in [0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0] {
            let rank = max(1, Int((q * Double(values.count)).rounded(.up)))
            let exact = Double(values[rank - 1])
            let estimate = Double(histogram.quantile(q))
            #expect(abs(estimate - exact) <= exact * 0.005, "q=\(q): \(estimate) vs \(exact)")
        }
    }

    @Test("bucket bounds follow the 3-significant-digit grid")
    func bucketBounds() {
        #expect(LatencyHistogram.bucketUpperBound(containing: 0) == 0)
        #expect(LatencyHistogram.bucketUpperBound(containing: 999) == 999)
        #expect(LatencyHistogram.bucketUpperBound(containing: 1000) == 1000)
        #expect(LatencyHistogram.bucketUpperBound(containing: 1001) == 1010)
        #expect(LatencyHistogram.bucketUpperBound(containing: 9991) == 10_000)
        #expect(LatencyHistogram.bucketUpperBound(containing: 2_500_000) == 2_500_000)
        #expect(LatencyHistogram.bucketUpperBound(containing: 2_500_001) == 2_510_000)
        #expect(LatencyHistogram.bucketUpperBound(containing: UInt64.max) >= UInt64.max / 10)
    }

    @Test("merge equals recording everything into one histogram")
    func mergeMatchesRecording() {
        let values = Self.values(count: 5_000, seed: 3)
        var whole = LatencyHistogram(), left = LatencyHistogram(), right = LatencyHistogram()
        for (index, value) in values.enumerated() {
            whole.record(nanoseconds: value)
            if index % 3 == 0 { left.record(nanoseconds: value) } else { right.record(nanoseconds: value) }
        }
        left.merge(right)
        #expect(left == whole)
        var seen: UInt64 = 0
        var previous: UInt64?
        whole.forEachBucket { bound, count in
            if let previous { #expect(bound > previous) }
            previous = bound
            seen += count
        }
        #expect(seen == whole.count)
    }

    @Test("an empty histogram answers zero")
    func empty() {
        let histogram = LatencyHistogram()
        #expect(histogram.quantile(0.5) == 0)
        #expect(histogram.cumulativeCount(atOrBelow: 1_000_000) == 0)
    }
}
