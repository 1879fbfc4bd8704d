import CNSTraceSys

/// W3C trace-context identity of one start: the trace id every line carries, and the span
/// the user's `TRACEPARENT` names as our parent, if any.
public struct TraceContext: Sendable, Equatable {
    public let traceID: String
    public let parentSpanID: String?

    /// Honours a valid `TRACEPARENT` (`00-<32 hex>-<16 hex>-<2 hex>`); otherwise a new trace.
    public init(traceparent: String?) {
        if let traceparent, let parsed = TraceContext.parse(traceparent) {
            self = parsed
        } else {
            self.init(traceID: TraceContext.newTraceID(), parentSpanID: nil)
        }
    }

    public init(traceID: String, parentSpanID: String?) {
        self.traceID = traceID
        self.parentSpanID = parentSpanID
    }

    static func parse(_ header: String) -> TraceContext? {
        let fields = header.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, fields[0].count == 2, fields[0] != "ff",
              isHexID(fields[0], count: 2, allowZero: true),
              isHexID(fields[1], count: 32), isHexID(fields[2], count: 16), isHexID(fields[3], count: 2, allowZero: true),
              fields[0] != "00" || fields.count == 4
        else { return nil }
        return TraceContext(traceID: String(fields[1]), parentSpanID: String(fields[2]))
    }

    private static func isHexID(_ text: Substring, count: Int, allowZero: Bool = false) -> Bool {
        text.utf8.count == count
            && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
            && (allowZero || text.utf8.contains { $0 != 48 })
    }

    /// 32 random hex digits: a new trace id.
    static func newTraceID() -> String {
        var halves: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &halves) { nst_random_bytes($0.baseAddress, $0.count) }
        return Hex.format(halves.0) + Hex.format(halves.1)
    }

    /// The header the init process gets, naming `spanID` as the parent of its spans.
    public func traceparent(parentSpanID spanID: String) -> String { "00-\(traceID)-\(spanID)-01" }
}
