import Testing
@testable import NSTraceCollector

@Suite("Collector")
struct CollectorTests {
    static func collect(_ names: String..., configuration: Collector.Configuration = .init()) throws -> Aggregates {
        let collector = Collector(configuration: configuration)
        for name in names { try collector.read(path: FixtureFiles.path(name)) }
        collector.finish()
        return collector.aggregates
    }

    @Test("a successful start with every namespace type is one ok start with its steps")
    func okStart() throws {
        let aggregates = try Self.collect("run-ok-all-namespaces.jsonl")
        #expect(aggregates.starts == [.ok: 1, .failed: 0, .incomplete: 0])
        let lines = try String(contentsOfFile: FixtureFiles.path("run-ok-all-namespaces.jsonl"), encoding: .utf8)
        #expect(aggregates.events == UInt64(lines.split(separator: "\n").count))
        #expect(aggregates.rejectedLines == 0, "the parent's wait span after the start is not late")
        let root = try #require(aggregates.steps[StepKey(stage: .parent, step: "start")])
        #expect(aggregates.startLatency[.ok]?.maxNanoseconds == root.maxNanoseconds)
        #expect(aggregates.steps[StepKey(stage: .stage1, step: "unshare")]?.count == 1)
        #expect(aggregates.steps[StepKey(stage: .stage0, step: "sync_stage1")]?.count == 1)
        for step in ["uid_map", "gid_map", "timens_offsets"] {
            #expect(aggregates.steps[StepKey(stage: .stage0, step: step)]?.count == 1, "\(step)")
        }
        #expect(aggregates.slowest.map(\.outcome) == [.ok])
        #expect(aggregates.openStarts == 0)
    }

    @Test("a failed join reports the failing step, errno and message")
    func failedJoin() throws {
        let aggregates = try Self.collect("run-failed-join.jsonl")
        #expect(aggregates.starts[.failed] == 1)
        let key = FailureKey(step: StepKey(stage: .stage1, step: "ns_open"), errnoName: "ENOENT")
        let group = try #require(aggregates.failures[key])
        #expect(group.count == 1)
        #expect(group.exampleErrno == 2)
        #expect(group.exampleMessage == "failed to open /nonexistent: No such file or directory")
        #expect(aggregates.steps[StepKey(stage: .stage1, step: "ns_open")]?.errors == 1)
        #expect(aggregates.slowest.first?.failure == key)
    }

    /// Recorded with `setsid nstrace run --join net=FIFO`: opening the FIFO blocks stage-1,
    /// then the whole process group got SIGKILL.
    @Test("a start SIGKILLed in stage-1 is incomplete in the step it was in")
    func killedInStage1() throws {
        let aggregates = try Self.collect("run-sigkill-stage1.jsonl")
        #expect(aggregates.starts == [.ok: 0, .failed: 0, .incomplete: 1])
        #expect(aggregates.incomplete[StepKey(stage: .stage1, step: "ns_open")]?.count == 1)
        #expect(aggregates.slowest.isEmpty)
    }

    @Test("an end without begin is a whole span; lines of a finished start count as late")
    func lonelyEndAndLateLines() throws {
        let start = #"{"v":1,"trace_id":"11111111111111111111111111111111","span_id":"1000000000000001","kind":"begin","stage":"parent","step":"start","pid":1,"ns_pid":1,"seq":1,"mono_ns":"1000"}"#
        let step = #"{"v":1,"trace_id":"11111111111111111111111111111111","span_id":"1000000000000002","parent_span_id":"1000000000000001","kind":"end","stage":"parent","step":"spawn_init","pid":1,"ns_pid":1,"seq":2,"mono_ns":"1500","dur_ns":400,"outcome":"ok"}"#
        let end = #"{"v":1,"trace_id":"11111111111111111111111111111111","span_id":"1000000000000001","kind":"end","stage":"parent","step":"start","pid":1,"ns_pid":1,"seq":3,"mono_ns":"3000","dur_ns":2000,"outcome":"ok"}"#
        let path = try FixtureFiles.temporary([start, step, end, step].joined(separator: "\n") + "\n")
        let collector = Collector()
        try collector.read(path: path)
        collector.finish()
        let aggregates = collector.aggregates
        #expect(aggregates.starts[.ok] == 1)
        #expect(aggregates.startLatency[.ok]?.maxNanoseconds == 2000)
        #expect(aggregates.steps[StepKey(stage: .parent, step: "spawn_init")]?.sumNanoseconds == 400)
        #expect(aggregates.rejected[.late]?.count == 1)
        #expect(aggregates.rejected[.late]?.examples.first?.location.line == 4)
    }

    @Test("without parent lines (runc) a start completes when stage-0 ended and stage-2 handed over")
    func runcCompletion() throws {
        let text = try String(contentsOfFile: FixtureFiles.path("run-ok-all-namespaces.jsonl"), encoding: .utf8)
        let withoutParent = text.split(separator: "\n").filter { !$0.contains(#""stage":"parent""#) }
        let path = try FixtureFiles.temporary(withoutParent.joined(separator: "\n") + "\n")
        let collector = Collector()
        try collector.read(path: path)
        #expect(collector.aggregates.starts[.ok] == 1, "finalized before the end of input")
        #expect(collector.aggregates.openStarts == 0)
    }

    @Test("the open-start table is bounded: the oldest start is evicted as incomplete")
    func eviction() throws {
        let aggregates = try Self.collect("synthetic-12.jsonl", configuration: .init(maxOpenStarts: 1))
        #expect(aggregates.evictedStarts > 0)
        #expect(aggregates.totalStarts >= 12)
        #expect(aggregates.starts[.incomplete]! >= aggregates.evictedStarts / 2)
    }

    @Test("idle starts are finalized on request; counters never decrease")
    func idleAndMonotonic() throws {
        let collector = Collector()
        let source = collector.openSource(named: "follow")
        let lines = try String(contentsOfFile: FixtureFiles.path("run-sigkill-stage1.jsonl"), encoding: .utf8)
        var previous = collector.aggregates
        for line in lines.split(separator: "\n") {
            collector.ingest(Array((line + "\n").utf8), from: source)
            let now = collector.aggregates
            #expect(now.lines >= previous.lines && now.events >= previous.events)
            #expect(now.steps.allSatisfy { $0.value.count >= previous.steps[$0.key]?.count ?? 0 })
            previous = now
        }
        #expect(collector.aggregates.openStarts == 1)
        #expect(collector.finalizeIdleStarts(idleLongerThan: 1_000_000_000) == 0, "just written: not idle")
        #expect(collector.finalizeIdleStarts(idleLongerThan: 0, now: MonotonicClock.nanoseconds() + 10) == 1)
        #expect(collector.aggregates.starts[.incomplete] == 1)
        #expect(collector.aggregates.openStarts == 0)
    }

    @Test("the synthetic trace's outcomes match what the generator put in")
    func syntheticOutcomes() throws {
        let aggregates = try Self.collect("synthetic-12.jsonl")
        #expect(aggregates.totalStarts == 12)
        #expect(aggregates.starts[.failed] == 2)
        #expect(aggregates.starts[.incomplete] == 1)
        #expect(aggregates.rejected[.runcLog]?.count == 2)
        #expect(aggregates.failures.values.reduce(0) { $0 + $1.count } == 2)
        #expect(aggregates.slowest.count == 10)
        #expect(zip(aggregates.slowest, aggregates.slowest.dropFirst()).allSatisfy { $0.latencyNanoseconds >= $1.latencyNanoseconds })
    }
}
