import NSTraceCore
import Testing

@Suite struct TraceContextTests {
    @Test func honoursAValidTraceparent() {
        let context = TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(context.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.parentSpanID == "00f067aa0ba902b7")
        #expect(context.traceparent(parentSpanID: "1111111111111111")
                == "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01")
    }

    @Test(arguments: [
        "", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    ])
    func startsANewTraceForAnInvalidTraceparent(_ header: String) {
        let context = TraceContext(traceparent: header)
        #expect(context.parentSpanID == nil)
        #expect(context.traceID.count == 32)
        #expect(context.traceID != "4bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test func generatesDistinctIDs() {
        var generator = SpanIDGenerator()
        let ids = Set((0..<100).map { _ in generator.next() })
        #expect(ids.count == 100)
        #expect(ids.allSatisfy { $0.count == 16 && $0.allSatisfy(\.isHexDigit) })
    }
}
