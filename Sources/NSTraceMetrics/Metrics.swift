import NSTraceCollector

/// The version `nstrace_build_info` reports.
public enum NSTraceVersion {
    public static let string = "0.1.0"
}

extension HistogramValue {
    /// Prometheus buckets from the collector's histogram. Every bound of
    /// `DurationBuckets` is a grid point of `LatencyHistogram`, so the counts are exact:
    /// a value lies in a grid bucket whose upper bound is <= a grid bound b exactly when
    /// the value is <= b.
    public init(_ latency: LatencyHistogram, bounds: [BucketBound] = DurationBuckets.bounds) {
        var cumulative = [UInt64](repeating: 0, count: bounds.count)
        var index = 0
        var running: UInt64 = 0
        latency.forEachBucket { upper, count in
            while index < bounds.count && bounds[index].nanoseconds < upper {
                cumulative[index] = running
                index += 1
            }
            running += count
        }
        while index < bounds.count {
            cumulative[index] = running
            index += 1
        }
        self.init(cumulativeCounts: cumulative, count: latency.count,
                  sumSeconds: Double(latency.sumNanoseconds) / 1e9)
    }
}

extension MetricsSnapshot {
    /// The exposition's view of the collector's aggregates.
    public init(_ aggregates: Aggregates, version: String = NSTraceVersion.string) {
        self.init(version: version)
        startsOK = aggregates.starts[.ok] ?? 0
        startsFailed = aggregates.starts[.failed] ?? 0
        startsIncomplete = aggregates.starts[.incomplete] ?? 0
        for outcome in [StartOutcome.ok, .failed] {
            startDurations[outcome.rawValue] = HistogramValue(aggregates.startLatency[outcome] ?? LatencyHistogram())
        }
        openStarts = UInt64(max(aggregates.openStarts, 0))
        for (key, statistics) in aggregates.steps {
            stepDurations[StepKey(stage: key.stage.name, step: key.step)] = HistogramValue(statistics.latency)
        }
        for (key, group) in aggregates.failures {
            let name = key.errnoName.isEmpty ? "none" : key.errnoName
            failures[FailureKey(stage: key.step.stage.name, step: key.step.step, errnoName: name), default: 0]
                += group.count
        }
        for (key, group) in aggregates.incomplete {
            incompleteByLastStep[StepKey(stage: key.stage.name, step: key.step), default: 0] += group.count
        }
        for reason in RejectReason.allCases {
            rejectedLines[reason.rawValue] = aggregates.rejected[reason]?.count ?? 0
        }
        eventsLost = aggregates.lostEvents
    }
}
