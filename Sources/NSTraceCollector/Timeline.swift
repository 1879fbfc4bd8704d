/// `nstrace timeline` and `nstrace run --timeline`: one start drawn as spans by process.
public enum Timeline {
    /// Which start of a file to show.
    public enum Selection: Sendable, Equatable {
        /// The only start, or the one that began last.
        case latest
        case traceID(TraceID)
        /// The slowest finished start.
        case slowest
        /// The failed start that was finalized last.
        case failed
    }

    public struct NoSuchStart: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads `tracePath`, selects the start `traceID` (32 hex digits) and renders it for a
    /// terminal `columns` wide, with ANSI colour when `colour`. Used by `nstrace run --timeline`.
    public static func render(tracePath: String, traceID: String, columns: Int, colour: Bool) throws -> String {
        guard let id = TraceID(hex: traceID) else {
            throw NoSuchStart(description: "'\(traceID)' is not a trace id (32 hex digits)")
        }
        return try render(model(tracePath: tracePath, selection: .traceID(id)), columns: columns, colour: colour)
    }

    public static func render(_ model: TimelineModel, columns: Int, colour: Bool) -> String {
        TimelineRenderer(model: model, columns: columns, style: TextStyle(enabled: colour)).render()
    }

    /// The selected start of `tracePath` as a model (reads the file once or twice).
    public static func model(tracePath: String, selection: Selection) throws -> TimelineModel {
        let traceID: TraceID
        switch selection {
        case .traceID(let id):
            traceID = id
        case .latest:
            let finder = TraceExtractor(wanted: nil)
            try TraceReader.read(path: tracePath, into: finder)
            guard let found = finder.lastBegun ?? finder.lastSeen else {
                throw NoSuchStart(description: "no trace events in '\(tracePath)'")
            }
            traceID = found
        case .slowest, .failed:
            let collector = Collector()
            try collector.read(path: tracePath)
            collector.finish()
            let aggregates = collector.aggregates
            if selection == .slowest {
                guard let slowest = aggregates.slowest.first else {
                    throw NoSuchStart(description: "no finished start in '\(tracePath)'")
                }
                traceID = slowest.traceID
            } else {
                guard let failed = aggregates.lastFailedTraceID else {
                    throw NoSuchStart(description: "no failed start in '\(tracePath)'")
                }
                traceID = failed
            }
        }
        let extractor = TraceExtractor(wanted: traceID)
        try TraceReader.read(path: tracePath, into: extractor)
        guard !extractor.events.isEmpty else {
            throw NoSuchStart(description: "no start with trace id \(traceID) in '\(tracePath)'")
        }
        return TimelineModel(traceID: traceID, events: extractor.events, verdict: extractor.verdict,
                             names: extractor.stepName)
    }
}
