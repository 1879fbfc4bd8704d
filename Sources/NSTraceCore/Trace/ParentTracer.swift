#if canImport(Glibc)
import Glibc
#endif
import CNSTraceSys

/// A span of the parent's (stage `parent`).
public struct ParentSpan: Sendable {
    public let id: String
    public let step: String
    public let parentID: String?
    public let startNanoseconds: UInt64
}

/// Builds the parent's own trace lines (schema v1, docs/trace-format.md). A span's line is
/// recorded when it happens and formatted when the relay writes (see `TraceRelay` for when):
/// formatting costs tens of µs the first time, which before the spawn would delay the start
/// and later costs nothing, as the parent is waiting for the stages then.
final class ParentTracer {
    private let relay: TraceRelay?
    let context: TraceContext
    private let pid = getpid()
    private var sequence = 0
    private var spanIDs = SpanIDGenerator()

    /// No relay: tracing off.
    init(relay: TraceRelay?, context: TraceContext) {
        self.relay = relay
        self.context = context
    }

    enum Attribute {
        case string(String, String)
        case int(String, Int)
    }

    private struct Record {
        let kind: String
        let span: ParentSpan
        let message: String
        let attributes: [Attribute]
        let duration: UInt64?
        let failure: (Errno?, String)?
        let fatal: Bool
        let sequence: Int
        let monotonic: UInt64
        let wall: UInt64
    }

    /// Starts a span; `announce` adds a `begin` line for a step that may block.
    func start(_ step: String, parent: String?, announce: Bool = false, _ message: String = "") -> ParentSpan {
        let span = ParentSpan(id: spanIDs.next(), step: step, parentID: parent, startNanoseconds: nst_monotonic_ns())
        if announce { self.announce(span, message) }
        return span
    }

    /// The `begin` line of a span, at the span's start.
    func announce(_ span: ParentSpan, _ message: String = "") {
        emit(kind: "begin", span: span, message: message.isEmpty ? span.step : message, at: span.startNanoseconds)
    }

    /// Ends a span now, or at `time` (CLOCK_MONOTONIC ns) for a step whose line is recorded later.
    func end(_ span: ParentSpan, _ message: String = "", _ attributes: [Attribute] = [], at time: UInt64? = nil) {
        let time = time ?? nst_monotonic_ns()
        emit(kind: "end", span: span, message: message.isEmpty ? span.step : message, attributes: attributes,
             duration: time - span.startNanoseconds, at: time)
    }

    /// Ends a span as failed. Only the step that failed is `fatal` (runc >= 1.4 shows every
    /// fatal line to the user); the spans it ends with it are not.
    func fail(_ span: ParentSpan, errno: Errno?, _ message: String, fatal: Bool = true, _ attributes: [Attribute] = []) {
        let time = nst_monotonic_ns()
        emit(kind: "end", span: span, message: message, attributes: attributes,
             duration: time - span.startNanoseconds, failure: (errno, message), fatal: fatal, at: time)
    }

    private func emit(
        kind: String, span: ParentSpan, message: String, attributes: [Attribute] = [], duration: UInt64? = nil,
        failure: (Errno?, String)? = nil, fatal: Bool = true, at time: UInt64
    ) {
        guard let relay else { return }
        sequence += 1
        let wall = nst_realtime_ns() - (nst_monotonic_ns() - time)
        let record = Record(
            kind: kind, span: span, message: message, attributes: attributes, duration: duration, failure: failure,
            fatal: fatal, sequence: sequence, monotonic: time, wall: wall)
        relay.record { [unowned self] buffer in
            JSONLineWriter.appendLine(to: &buffer) { self.format(record, &$0) }
        }
    }

    private lazy var messagePrefix = "nstrace[\(pid)]: "

    private func format(_ record: Record, _ json: inout JSONLineWriter) {
        json.add("level", record.failure != nil && record.fatal ? "fatal" : "debug")
        json.add("msg", messagePrefix + record.message)
        json.add("v", 1)
        json.add("trace_id", context.traceID)
        json.add("span_id", record.span.id)
        if let parent = record.span.parentID { json.add("parent_span_id", parent) }
        json.add("kind", record.kind)
        json.add("stage", "parent")
        json.add("step", record.span.step)
        json.add("pid", Int(pid))
        json.add("ns_pid", Int(pid))
        json.add("seq", record.sequence)
        json.addQuoted("mono_ns", record.monotonic)
        json.addQuoted("wall_ns", record.wall)
        if let duration = record.duration {
            json.add("dur_ns", Int64(duration))
            json.add("outcome", record.failure == nil ? "ok" : "error")
        }
        if let (errno, text) = record.failure {
            json.add("errno", Int(errno?.rawValue ?? 0))
            json.add("errno_name", errno?.name ?? "none")
            json.add("error", text)
        }
        for attribute in record.attributes {
            switch attribute {
            case let .string(key, value): json.add(key, value)
            case let .int(key, value): json.add(key, value)
            }
        }
    }
}
