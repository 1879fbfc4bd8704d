/// An input being read: its name for reports, the lines read so far, and the bytes of a
/// line whose end has not arrived yet (chunked input such as stdin or a followed file).
struct SourceState {
    let name: String
    var lineNumber: UInt64 = 0
    /// The unterminated tail of the last chunk (at most NST_MAX_LINE bytes).
    var carry: [UInt8] = []
    /// Set while skipping the rest of a line that grew past NST_MAX_LINE.
    var discardingLongLine = false

    init(name: String) { self.name = name }
}
