#if canImport(Glibc)
import Glibc
#endif
import CNSTraceSys

/// Carries a start's trace lines to the trace file: the constructor's, which arrive on the log
/// pipe one `write(2)` per line, and the parent's own. An append to a file on ext4 costs
/// tens of µs (it dirties the inode), so nothing writes to the file while the start is being
/// set up: the stages write to a pipe, and the parent appends what it collected in one write
/// when it has waited `flushDelayMilliseconds` for the init (a start that hangs shows in the
/// file which step it hangs in), when the start is done (while the command runs) and at the
/// end. The pipe is made 1 MiB so a start never fills it in between. Before the spawn it is
/// only created: everything the parent does then delays the start.
final class TraceRelay {
    /// The log pipe's write end, for the init's `_LIBCONTAINER_LOGPIPE`.
    private(set) var pipeWrite: Int32 = -1
    private var pipeRead: Int32 = -1
    private let output: Int32
    /// The stages' lines read so far and not written yet: `pendingCount` bytes at `pending`,
    /// read straight into this buffer (no chunk to copy from), which grows as needed.
    private var pending: UnsafeMutableRawPointer?
    private var pendingCount = 0
    private var pendingCapacity = 0
    /// The parent's lines since the last flush, each to go where it was recorded: after the
    /// first `parentLinePositions[i]` bytes of stage lines (the collector sees a start's `start`
    /// begin line before its stages' lines, and its `start` end line after them). Line i ends
    /// at `parentLineEnds[i]` in `parentLines`. Arrays of Int only: their metadata
    /// is built into the runtime, where a tuple or closure element type is made at run time.
    /// A flush writes both buffers' pieces in one writev(2), copying neither.
    private var parentLines: UnsafeMutableRawPointer?
    private var parentLinesCount = 0
    private var parentLinesCapacity = 0
    private var parentLineEnds: [Int] = []
    private var parentLinePositions: [Int] = []

    static let flushDelayMilliseconds: Int32 = 50

    init(output: Int32) throws(Errno) {
        self.output = output
        var ends: [Int32] = [-1, -1]
        let created = nst_log_pipe(&ends)
        guard created == 0 else { throw Errno(rawValue: -created) }
        pipeRead = ends[0]
        pipeWrite = ends[1]
    }

    deinit {
        if pipeWrite >= 0 { close(pipeWrite) }
        if pipeRead >= 0 { close(pipeRead) }
        free(pending)
        free(parentLines)
    }

    /// Once the init has its copy of the write end, while the stages work: from now on the
    /// pipe reaches EOF when the last stage is gone.
    func initStarted() {
        closeWriteEnd()
        nst_pipe_grow(pipeRead, 1 << 20)  // if the kernel says no, 64 KiB hold a start too
        var info = stat()
        // A FIFO given as the trace file must not block the start either.
        if fstat(output, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO {
            _ = fcntl(output, F_SETFL, fcntl(output, F_GETFL) | O_NONBLOCK)
        }
    }

    private func closeWriteEnd() {
        if pipeWrite >= 0 { close(pipeWrite) }
        pipeWrite = -1
    }

    /// Reads what the pipe holds now; false once it is at EOF.
    @discardableResult
    private func drain() -> Bool {
        while pipeRead >= 0 {
            if pendingCapacity - pendingCount < 4 << 10 {
                // A start's lines take some 12 KiB: one allocation, after the spawn (everything
                // before it delays the start), then doubling for a start that writes more.
                let capacity = max(32 << 10, pendingCapacity * 2)
                guard let grown = realloc(pending, capacity) else { return true }
                pending = grown
                pendingCapacity = capacity
            }
            let got = read(pipeRead, pending! + pendingCount, pendingCapacity - pendingCount)
            if got > 0 {
                pendingCount += got
            } else if got == 0 {
                close(pipeRead)
                pipeRead = -1
            } else if errno != EINTR {
                return true  // EAGAIN: nothing more for now
            }
        }
        return false
    }

    /// Records a line of the parent's, which `format` writes at the pointer it gets (room for
    /// `maxBytes`) and returns the length of, to go after every line the stages have written
    /// so far. The stages' lines stay in the pipe until the next flush: its byte count says
    /// where this line goes, and every stage line is one atomic write, so the count falls
    /// between lines. Reading them here cost the start some 60 µs.
    func record(upTo maxBytes: Int, _ format: (UnsafeMutableRawPointer, Int) -> Int) {
        if parentLinesCapacity - parentLinesCount < maxBytes {
            let capacity = max(16 << 10, 2 * parentLinesCapacity, parentLinesCount + maxBytes)
            guard let grown = realloc(parentLines, capacity) else { return }  // the line is lost, not the start
            parentLines = grown
            parentLinesCapacity = capacity
        }
        var unread: Int32 = 0
        if pipeWrite >= 0 || pipeRead < 0 || ioctl(pipeRead, UInt(FIONREAD), &unread) < 0 {
            unread = 0  // until initStarted, lines go before every stage line; at EOF all is read
        }
        parentLinePositions.append(pendingCount + Int(unread))
        parentLinesCount += format(parentLines! + parentLinesCount, maxBytes)
        parentLineEnds.append(parentLinesCount)
    }

    /// Collects what the stages wrote and appends every complete line, theirs and ours in
    /// their places, in one writev(2).
    func flush() {
        drain()
        // Stage lines end in a newline; a partial one (a stage still writing) waits.
        var complete = pendingCount
        while complete > 0 && pending!.load(fromByteOffset: complete - 1, as: UInt8.self) != UInt8(ascii: "\n") {
            complete -= 1
        }
        parentLineEnds.withUnsafeBufferPointer { ends in
            parentLinePositions.withUnsafeBufferPointer { positions in
                nst_write_merged(output, pending, complete, parentLines, ends.baseAddress, positions.baseAddress, ends.count)
            }
        }
        parentLinesCount = 0
        parentLineEnds.removeAll(keepingCapacity: true)
        parentLinePositions.removeAll(keepingCapacity: true)
        if complete > 0 {
            pendingCount -= complete
            if pendingCount > 0 { memmove(pending!, pending! + complete, pendingCount) }
        }
    }

    /// Blocks until `fd` is readable (or hung up), flushing every `flushDelayMilliseconds`.
    func waitReadable(_ fd: Int32) {
        var readable = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)  // not an array: see parentLineEnds
        while true {
            let ready = poll(&readable, 1, Self.flushDelayMilliseconds)
            if ready > 0 || (ready < 0 && errno != EINTR) { return }
            if ready == 0 { flush() }
        }
    }

    /// When no stage can write any more (they exited, exec'd or were killed): reads the pipe
    /// to EOF, waiting at most `timeoutMilliseconds` for a writer that is somehow still there,
    /// and writes everything out.
    func finish(timeoutMilliseconds: Int32 = 1000) {
        closeWriteEnd()
        let deadline = nst_monotonic_ns() + UInt64(timeoutMilliseconds) * 1_000_000
        while drain() {
            let now = nst_monotonic_ns()
            guard now < deadline else { break }
            var readable = pollfd(fd: pipeRead, events: Int16(POLLIN), revents: 0)
            _ = poll(&readable, 1, Int32((deadline - now) / 1_000_000) + 1)
        }
        flush()
    }
}
