/// One start as spans grouped by process: what `nstrace timeline` draws.
public struct TimelineModel: Sendable {
    /// A step (or stage span, or point event) of the start.
    public struct Span: Sendable {
        public var stage: Stage
        public var step: String
        public var spanID: UInt64
        public var parentSpanID: UInt64
        public var startNs: UInt64
        /// nil: still open when the trace ends (a begin without end).
        public var endNs: UInt64?
        /// A point in time (`kind: event`), not a span.
        public var isPoint: Bool
        public var failed: Bool
        public var errnoName: String
        public var errnoValue: Int32?
        public var error: String
        /// Attributes worth a glance (`net`, a path, flag names, an exit status).
        public var detail: String
        var ordinal: Int
    }

    /// A process of the start (`setup` is shown with `stage-0`, whose process it is).
    public struct Process: Sendable {
        public var stage: Stage
        public var pid: Int32?
        public var nsPid: Int32?
        /// The process's own span (`start` for the parent, `stage-N` for the others), if any.
        public var own: Span?
        public var steps: [Span]
    }

    public var traceID: TraceID
    public var outcome: StartOutcome
    /// The whole start, as the summary counts it.
    public var latencyNs: UInt64
    public var failure: FailureKey?
    public var failureMessage: String
    /// For an incomplete start: the step it was in.
    public var openStep: StepKey?
    public var originNs: UInt64
    public var processes: [Process]
    public var lineCount: Int

    init(traceID: TraceID, events: [TimelineEvent], verdict: OpenStart, names: (UInt16) -> String) {
        self.traceID = traceID
        outcome = verdict.outcome
        latencyNs = verdict.latencyNs
        lineCount = events.count
        failure = nil
        failureMessage = ""
        openStep = nil
        if outcome == .failed, let failed = verdict.failure {
            failure = FailureKey(step: StepKey(stage: failed.stage, step: names(failed.step)),
                                 errnoName: failed.errnoName == 0 ? "" : names(failed.errnoName))
            failureMessage = failed.message
        }
        if outcome == .incomplete {
            let (stage, step) = verdict.lastOpenStep
            openStep = StepKey(stage: stage, step: names(step))
        }

        // Spans: pair begin/end by span id; an end alone started at mono_ns - dur_ns.
        var spans: [Span] = []
        var openIndex: [UInt64: Int] = [:]
        for event in events {
            switch event.kind {
            case .begin:
                openIndex[event.spanID] = spans.count
                spans.append(Self.span(from: event, start: event.monoNs, end: nil, point: false))
            case .end:
                let start = event.monoNs >= event.durNs ? event.monoNs - event.durNs : 0
                if let index = openIndex.removeValue(forKey: event.spanID) {
                    spans[index].endNs = event.monoNs
                    spans[index].failed = event.failed
                    spans[index].errnoName = event.errnoName
                    spans[index].errnoValue = event.errnoValue
                    spans[index].error = event.error
                    if spans[index].detail.isEmpty { spans[index].detail = Self.detail(of: event) }
                } else {
                    spans.append(Self.span(from: event, start: start, end: event.monoNs, point: false))
                }
            case .event:
                spans.append(Self.span(from: event, start: event.monoNs, end: event.monoNs, point: true))
            }
        }
        originNs = spans.map(\.startNs).min() ?? 0

        // Processes, with host pids: stage-2's first lines have none; clone_stage2 tells it.
        var byStage: [Stage: Process] = [:]
        for event in events {
            let stage = event.stage.process
            var process = byStage[stage] ?? Process(stage: stage, pid: nil, nsPid: nil, own: nil, steps: [])
            if process.pid == nil, let pid = event.pid { process.pid = pid }
            if process.nsPid == nil, let nsPid = event.nsPid { process.nsPid = nsPid }
            byStage[stage] = process
            let created: Stage? = switch event.step {
            case "spawn_init": .stage0
            case "clone_stage1": .stage1
            case "clone_stage2": .stage2
            default: nil
            }
            if let created, let child = event.childPid, event.kind == .end {
                var childProcess = byStage[created] ?? Process(stage: created, pid: nil, nsPid: nil, own: nil, steps: [])
                if childProcess.pid == nil { childProcess.pid = child }
                byStage[created] = childProcess
            }
        }
        for span in spans {
            let stage = span.stage.process
            let isOwn = (stage == .parent && span.step == "start") || span.step == stage.name
            if isOwn && byStage[stage]?.own == nil {
                byStage[stage]?.own = span
            } else {
                byStage[stage]?.steps.append(span)
            }
        }
        processes = byStage.values.filter { $0.own != nil || !$0.steps.isEmpty }.map { process in
            var process = process
            process.steps.sort { ($0.startNs, $0.ordinal) < ($1.startNs, $1.ordinal) }
            return process
        }.sorted { $0.stage < $1.stage }
    }

    private static func span(from event: TimelineEvent, start: UInt64, end: UInt64?, point: Bool) -> Span {
        Span(stage: event.stage, step: event.step, spanID: event.spanID, parentSpanID: event.parentSpanID,
             startNs: start, endNs: end, isPoint: point, failed: event.failed, errnoName: event.errnoName,
             errnoValue: event.errnoValue, error: event.error, detail: detail(of: event), ordinal: event.ordinal)
    }

    private static func detail(of event: TimelineEvent) -> String {
        var parts: [String] = []
        if !event.ns.isEmpty { parts.append(event.ns) }
        if !event.flagNames.isEmpty { parts.append(event.flagNames) }
        if !event.path.isEmpty && event.ns.isEmpty { parts.append(event.path) }
        if let status = event.exitStatus { parts.append("exit \(status)") }
        return parts.joined(separator: " ")
    }
}
