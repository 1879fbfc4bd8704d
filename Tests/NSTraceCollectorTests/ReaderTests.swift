import Foundation
import Testing
@testable import NSTraceCollector

/// The real world's bad input: each case asserts the count and the reported line number.
@Suite("Reader tolerates bad input")
struct ReaderTests {
    /// A valid event line (an `end` of stage-1 ns_join) of trace `trace`.
    static func event(trace: String = "4bf92f3577b34da6a3ce929d0e0e4736", span: String = "00f067aa0ba902b7",
                      extra: String = "") -> String {
        #"{"level":"debug","msg":"nsexec-1[4243]: ns_join","v":1,"trace_id":"\#(trace)","span_id":"\#(span)","#
            + #""parent_span_id":"a0f067aa0ba902b7","kind":"end","stage":"stage-1","step":"ns_join","pid":4243,"#
            + #""ns_pid":4243,"seq":3,"mono_ns":"81234567890123","wall_ns":"1764770000000000000","dur_ns":48211,"#
            + #""outcome":"ok"\#(extra)}"#
    }

    static func collect(_ text: String) throws -> (Aggregates, String) {
        let path = try FixtureFiles.temporary(text)
        let collector = Collector()
        try collector.read(path: path)
        collector.finish()
        return (collector.aggregates, path)
    }

    static func expectRejected(_ aggregates: Aggregates, _ reason: RejectReason, count: UInt64, lines: [UInt64],
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let rejected = aggregates.rejected[reason]
        #expect(rejected?.count == count, "\(reason) count", sourceLocation: sourceLocation)
        #expect(rejected?.examples.map(\.location.line) == lines, "\(reason) lines", sourceLocation: sourceLocation)
    }

    @Test("a truncated last line is counted as truncated, with its line number")
    func truncatedLastLine() throws {
        let line = Self.event()
        let (aggregates, _) = try Self.collect(line + "\n" + line + "\n" + String(line.prefix(90)))
        Self.expectRejected(aggregates, .truncated, count: 1, lines: [3])
        #expect(aggregates.events == 2)
        #expect(aggregates.lines == 3)
    }

    @Test("blank lines are skipped and counted")
    func blankLines() throws {
        let (aggregates, _) = try Self.collect("\n" + Self.event() + "\n   \n\r\n" + Self.event() + "\n")
        Self.expectRejected(aggregates, .blank, count: 3, lines: [1, 3, 4])
        #expect(aggregates.events == 2)
    }

    @Test("garbage and non-objects are counted by kind")
    func garbage() throws {
        let text = [Self.event(), "hello world", "{\"v\":1,", "[1,2,3]", "\u{00}\u{01}binary", Self.event() + " trailing"]
            .joined(separator: "\n") + "\n"
        let (aggregates, path) = try Self.collect(text)
        Self.expectRejected(aggregates, .invalidJSON, count: 4, lines: [2, 3, 5])
        Self.expectRejected(aggregates, .notObject, count: 1, lines: [4])
        #expect(aggregates.rejected[.invalidJSON]?.examples.first?.location.file == path)
        #expect(aggregates.events == 1)
    }

    @Test("a 1 MB line: a valid event is read, 1 MB of garbage is counted")
    func megabyteLine() throws {
        let message = String(repeating: "x", count: 1 << 20)
        let big = Self.event(extra: #","error":"\#(message)""#)
        let garbage = String(repeating: "{", count: 1 << 20)
        let (aggregates, _) = try Self.collect(Self.event() + "\n" + big + "\n" + garbage + "\n" + Self.event() + "\n")
        #expect(aggregates.events == 3)
        Self.expectRejected(aggregates, .invalidJSON, count: 1, lines: [3])
    }

    @Test("unknown fields are ignored")
    func unknownFields() throws {
        let line = Self.event(extra: #","future":{"nested":[1,2,{"a":"b"}]},"other":null,"more":3.5"#)
        let (aggregates, _) = try Self.collect(line + "\n")
        #expect(aggregates.events == 1)
        #expect(aggregates.rejected.isEmpty)
        #expect(aggregates.steps[StepKey(stage: .stage1, step: "ns_join")]?.count == 1)
        #expect(aggregates.steps[StepKey(stage: .stage1, step: "ns_join")]?.maxNanoseconds == 48211)
    }

    @Test("an unknown schema version is rejected with its line and version")
    func unknownVersion() throws {
        let future = Self.event().replacingOccurrences(of: #""v":1"#, with: #""v":2"#)
        let (aggregates, _) = try Self.collect(Self.event() + "\n" + future + "\n" + future + "\n")
        Self.expectRejected(aggregates, .unknownVersion, count: 2, lines: [2, 3])
        #expect(aggregates.rejected[.unknownVersion]?.examples.first?.detail == "v=2")
    }

    @Test("runc's plain log lines are skipped and counted")
    func runcLogLines() throws {
        let runc = #"{"level":"debug","msg":"nsexec[3325]: => nsexec container setup","time":"2026-12-03T16:09:02Z"}"#
        let (aggregates, _) = try Self.collect(runc + "\n" + Self.event() + "\n" + runc + "\n")
        Self.expectRejected(aggregates, .runcLog, count: 2, lines: [1, 3])
        #expect(aggregates.events == 1)
    }

    @Test("missing and wrong-typed fields name the field")
    func fieldProblems() throws {
        let noTrace = Self.event().replacingOccurrences(of: #""trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","#, with: "")
        let badSpan = Self.event(span: "xyz")
        let badMono = Self.event().replacingOccurrences(of: #""mono_ns":"81234567890123""#, with: #""mono_ns":"soon""#)
        let (aggregates, _) = try Self.collect([Self.event(), noTrace, badSpan, badMono].joined(separator: "\n") + "\n")
        Self.expectRejected(aggregates, .missingField, count: 1, lines: [2])
        Self.expectRejected(aggregates, .invalidField, count: 2, lines: [3, 4])
        #expect(aggregates.rejected[.missingField]?.examples.first?.detail == #"no "trace_id""#)
        #expect(aggregates.rejected[.invalidField]?.examples.map(\.detail) == [#"bad "span_id""#, #"bad "mono_ns""#])
    }

    @Test("chunks split anywhere give the same result as the whole file")
    func chunkedIngest() throws {
        let text = try String(contentsOfFile: FixtureFiles.path("synthetic-12.jsonl"), encoding: .utf8)
            + "\n" + String(Self.event().prefix(40))
        let bytes = Array(text.utf8)
        let whole = Collector()
        try whole.read(path: try FixtureFiles.temporary(text))
        whole.finish()
        for chunkSize in [1, 7, 333, 4096] {
            let chunked = Collector()
            let source = chunked.openSource(named: "chunks")
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + chunkSize, bytes.count)
                chunked.ingest(Array(bytes[offset..<end]), from: source)
                offset = end
            }
            chunked.endOfInput(from: source)
            chunked.finish()
            let a = whole.aggregates, b = chunked.aggregates
            #expect(a.lines == b.lines && a.events == b.events, "chunk \(chunkSize)")
            #expect(a.starts == b.starts, "chunk \(chunkSize)")
            #expect(a.steps == b.steps, "chunk \(chunkSize)")
            #expect(a.rejected.mapValues(\.count) == b.rejected.mapValues(\.count), "chunk \(chunkSize)")
            #expect(b.rejected[.truncated]?.examples.first?.location.line == a.lines)
        }
    }

    @Test("a big file is parsed on several threads with the same result as one thread")
    func parallelMatchesSequential() throws {
        let text = try String(contentsOfFile: FixtureFiles.path("synthetic-12.jsonl"), encoding: .utf8)
        var big = ""
        let copies = TraceReader.parallelThreshold / text.utf8.count + 2
        for copy in 0..<copies {
            // Distinct trace ids per copy, so every copy is its own set of starts.
            let prefix = String(format: "%02x", copy % 256)
            big += text.replacingOccurrences(of: #""trace_id":""#, with: #""trace_id":""# + prefix)
                .replacingOccurrences(of: #"("trace_id":"[0-9a-f]{32})[0-9a-f]{2}"#, with: "$1", options: .regularExpression)
        }
        let path = try FixtureFiles.temporary(big)
        let parallel = Collector()
        try parallel.read(path: path)
        parallel.finish()
        let sequential = Collector()
        let source = sequential.openSource(named: path)
        let bytes = Array(big.utf8)
        stride(from: 0, to: bytes.count, by: 1 << 20).forEach { start in
            sequential.ingest(Array(bytes[start..<min(start + (1 << 20), bytes.count)]), from: source)
        }
        sequential.endOfInput(from: source)
        sequential.finish()
        let a = parallel.aggregates, b = sequential.aggregates
        #expect(a.lines == UInt64(big.split(separator: "\n", omittingEmptySubsequences: false).count - 1))
        #expect(a.lines == b.lines && a.events == b.events)
        #expect(a.starts == b.starts)
        #expect(a.steps == b.steps)
        #expect(a.failures.mapValues(\.count) == b.failures.mapValues(\.count))
        #expect(a.rejected.mapValues { $0.examples.map(\.location.line) } == b.rejected.mapValues { $0.examples.map(\.location.line) })
    }

    @Test("an unreadable file is an error naming it")
    func unreadable() {
        let collector = Collector()
        #expect(throws: TraceReadError.self) { try collector.read(path: "/nonexistent/trace.jsonl") }
        do {
            try collector.read(path: "/nonexistent/trace.jsonl")
        } catch {
            #expect("\(error)".contains("/nonexistent/trace.jsonl"))
        }
    }
}
