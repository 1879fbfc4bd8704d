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

/// Builds the parent's own trace lines (schema v1, docs/trace-format.md), formatted when they
/// happen; the relay puts them among the stages' lines. Nothing is formatted before the spawn
/// (see `Launcher`), and nothing here needs the Swift runtime to build type metadata or look
/// up conformances at run time: in a static binary such a lookup scans every conformance
/// record, and the first line cost some 90k instructions that way.
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

    /// A step attribute: an integer under one of our own keys.
    struct Attribute {
        let key: StaticString
        let value: Int

        static func int(_ key: StaticString, _ value: Int) -> Attribute { Attribute(key: key, value: value) }
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
        let level = failure != nil && fatal ? "fatal" : "debug"
        let outcome = failure == nil ? "ok" : "error"
        let errnoName = failure.map { $0.0?.name ?? "none" } ?? ""
        let strings = level.utf8.count + messagePrefix.utf8.count + message.utf8.count + context.traceID.utf8.count
            + span.id.utf8.count + (span.parentID?.utf8.count ?? 0) + kind.utf8.count + 6 + span.step.utf8.count
            + outcome.utf8.count + errnoName.utf8.count + (failure?.1.utf8.count ?? 0)
        relay.record(upTo: JSONLineWriter.room(strings: strings, fields: 20 + attributes.count)) { base, capacity in
            JSONLineWriter.write(at: base, capacity: capacity) { json in
                json.add("level", plain: level)
                json.add("msg", messagePrefix, message)
                json.add("v", 1)
                json.add("trace_id", context.traceID)  // from TRACEPARENT: escaped like all input
                json.add("span_id", plain: span.id)
                if let parent = span.parentID { json.add("parent_span_id", parent) }
                json.add("kind", plain: kind)
                json.add("stage", plain: "parent")
                json.add("step", span.step)
                json.add("pid", Int(pid))
                json.add("ns_pid", Int(pid))
                json.add("seq", sequence)
                json.addQuoted("mono_ns", time)
                json.addQuoted("wall_ns", wall)
                if let duration {
                    json.add("dur_ns", Int64(duration))
                    json.add("outcome", plain: outcome)
                }
                if let (errno, text) = failure {
                    json.add("errno", Int(errno?.rawValue ?? 0))
                    json.add("errno_name", errnoName)
                    json.add("error", text)
                }
                for attribute in attributes { json.add(attribute.key, attribute.value) }
            }
        }
    }

    private lazy var messagePrefix = "nstrace[\(pid)]: "
}
