import CSimdJSONShim

/// One line of the start a timeline shows, with its strings owned (the input is gone by
/// the time the timeline is drawn).
struct TimelineEvent {
    enum Kind { case begin, end, event }

    var kind: Kind
    var stage: Stage
    var step: String
    var spanID: UInt64
    var parentSpanID: UInt64
    var pid: Int32?
    var nsPid: Int32?
    var childPid: Int32?
    var monoNs: UInt64
    var durNs: UInt64
    var failed: Bool
    var errnoName: String
    var errnoValue: Int32?
    var error: String
    var path: String
    var ns: String
    var flagNames: String
    var exitStatus: Int32?
    /// Position in the input, to keep the file's order among equal times.
    var ordinal: Int

    init(_ record: nst_line, names: LineParser, ordinal: Int) {
        switch Int(record.kind) {
        case Int(NST_KIND_BEGIN.rawValue): kind = .begin
        case Int(NST_KIND_END.rawValue): kind = .end
        default: kind = .event
        }
        stage = Stage(shim: record.stage)
        step = names.name(record.step)
        spanID = record.span_id
        parentSpanID = record.parent_span_id
        pid = record.pid >= 0 ? record.pid : nil
        nsPid = record.ns_pid >= 0 ? record.ns_pid : nil
        childPid = record.child_pid >= 0 ? record.child_pid : nil
        monoNs = record.mono_ns
        durNs = record.dur_ns
        failed = record.outcome == UInt8(NST_OUTCOME_ERROR.rawValue)
        errnoName = record.errno_name == 0 ? "" : names.name(record.errno_name)
        errnoValue = record.errno_value >= 0 ? record.errno_value : nil
        error = LineParser.text(record.error, of: record)
        path = LineParser.text(record.path, of: record)
        ns = record.ns == 0 ? "" : names.name(record.ns)
        flagNames = LineParser.text(record.flag_names, of: record)
        exitStatus = record.exit_status >= 0 ? record.exit_status : nil
        self.ordinal = ordinal
    }
}
