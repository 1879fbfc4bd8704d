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

/// Builds the parent's own trace lines (schema v1, docs/trace-format.md). The relay writes
/// them to the trace file with the constructor's, flushed whenever a step that may block
/// begins, so what a hung start was doing is in the file before it blocks.
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

    /// Writes the lines collected so far, the stages' included.
    func flush() { relay?.flush() }

    var isEnabled: Bool { relay != nil }

    enum Attribute {
        case string(String, String)
        case int(String, Int)
    }

    /// Starts a span; `announce` writes a `begin` line for a step that may block.
    func start(_ step: String, parent: String?, announce: Bool = false, _ message: String = "") -> ParentSpan {
        let span = ParentSpan(id: spanIDs.next(), step: step, parentID: parent, startNanoseconds: nst_monotonic_ns())
        if announce {
            emit(kind: "begin", span: span, message: message.isEmpty ? step : message)
            flush()
        }
        return span
    }

    func end(_ span: ParentSpan, _ message: String = "", _ attributes: [Attribute] = []) {
        emit(kind: "end", span: span, message: message.isEmpty ? span.step : message, attributes: attributes,
             duration: nst_monotonic_ns() - span.startNanoseconds)
    }

    /// Ends a span as failed. Only the step that failed is `fatal` (runc >= 1.4 shows every
    /// fatal line to the user); the spans it ends with it are not.
    func fail(_ span: ParentSpan, errno: Errno?, _ message: String, fatal: Bool = true, _ attributes: [Attribute] = []) {
        emit(kind: "end", span: span, message: message, attributes: attributes,
             duration: nst_monotonic_ns() - span.startNanoseconds, failure: (errno, message), fatal: fatal)
    }

    private func emit(
        kind: String, span: ParentSpan, message: String, attributes: [Attribute] = [], duration: UInt64? = nil,
        failure: (Errno?, String)? = nil, fatal: Bool = true
    ) {
        guard isEnabled else { return }
        sequence += 1
        var json = JSONLineWriter()
        json.add("level", failure != nil && fatal ? "fatal" : "debug")
        json.add("msg", "nstrace[\(pid)]: \(message)")
        json.add("v", 1)
        json.add("trace_id", context.traceID)
        json.add("span_id", span.id)
        if let parent = span.parentID { json.add("parent_span_id", parent) }
        json.add("kind", kind)
        json.add("stage", "parent")
        json.add("step", span.step)
        json.add("pid", Int(pid))
        json.add("ns_pid", Int(pid))
        json.add("seq", sequence)
        json.add("mono_ns", String(nst_monotonic_ns()))
        json.add("wall_ns", String(nst_realtime_ns()))
        if let duration {
            json.add("dur_ns", Int64(duration))
            json.add("outcome", failure == nil ? "ok" : "error")
        }
        if let (errno, text) = failure {
            json.add("errno", Int(errno?.rawValue ?? 0))
            json.add("errno_name", errno?.name ?? "none")
            json.add("error", text)
        }
        for attribute in attributes {
            switch attribute {
            case let .string(key, value): json.add(key, value)
            case let .int(key, value): json.add(key, value)
            }
        }
        relay?.append(json.line)
    }
}
