import CSimdJSONShim

/// Something that takes parsed trace lines: the `Collector`, and the single-trace reader
/// behind `Timeline`. `TraceReader` feeds it.
protocol LineConsumer: AnyObject {
    var parser: LineParser { get }
    /// Called with each batch of parsed lines, in input order. Advances `source.lineNumber`.
    func consume(_ records: UnsafeBufferPointer<nst_line>, source: inout SourceState)
    /// A line refused before parsing (longer than NST_MAX_LINE while chunked).
    func consumeOverlongLine(length: Int, source: inout SourceState)
}
