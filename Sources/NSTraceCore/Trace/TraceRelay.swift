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
    /// The stages' lines read so far and not written yet, read straight into this buffer
    /// (no chunk to copy from).
    private var pending = ByteBuffer()
    /// The parent's lines since the last flush, each to go where it was recorded: after the
    /// first `parentLinePositions[i]` bytes of stage lines (the collector sees a start's `start`
    /// begin line before its stages' lines, and its `start` end line after them). Line i ends
    /// at `parentLineEnds[i]` in `parentLines`. Arrays of Int only: their metadata
    /// is built into the runtime, where a tuple or closure element type is made at run time.
    /// A flush writes both buffers' pieces in one writev(2), copying neither.
    private var parentLines = ByteBuffer()
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
        free(pending.base)
        free(parentLines.base)
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
            // A start's lines take some 12 KiB: one allocation, after the spawn (everything
            // before it delays the start).
            guard pending.makeRoom(4 << 10, first: 32 << 10) else { return true }
            let got = read(pipeRead, pending.end, pending.capacity - pending.count)
            if got > 0 {
                pending.count += got
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
        guard parentLines.makeRoom(maxBytes, first: 16 << 10) else { return }  // the line is lost, not the start
        var unread: Int32 = 0
        if pipeWrite >= 0 || pipeRead < 0 || ioctl(pipeRead, UInt(FIONREAD), &unread) < 0 {
            unread = 0  // until initStarted, lines go before every stage line; at EOF all is read
        }
        parentLinePositions.append(pending.count + Int(unread))
        parentLines.count += format(parentLines.end, maxBytes)
        parentLineEnds.append(parentLines.count)
    }

    /// Collects what the stages wrote and appends every complete line, theirs and ours in
    /// their places, in one writev(2).
    func flush() {
        drain()
        // Stage lines end in a newline; a partial one (a stage still writing) waits.
        var complete = pending.count
        while complete > 0 && pending.base!.load(fromByteOffset: complete - 1, as: UInt8.self) != UInt8(ascii: "\n") {
            complete -= 1
        }
        parentLineEnds.withUnsafeBufferPointer { ends in
            parentLinePositions.withUnsafeBufferPointer { positions in
                nst_write_merged(output, pending.base, complete, parentLines.base, ends.baseAddress, positions.baseAddress, ends.count)
            }
        }
        parentLines.count = 0
        parentLineEnds.removeAll(keepingCapacity: true)
        parentLinePositions.removeAll(keepingCapacity: true)
        if complete > 0 {
            pending.count -= complete
            if pending.count > 0 { memmove(pending.base!, pending.base! + complete, pending.count) }
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

/// Bytes in malloc'd memory that grows by doubling: raw, as the relay reads and formats into
/// it directly. Freed by its owner.
private struct ByteBuffer {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    var count = 0

    /// Where the next byte goes; only after `makeRoom`.
    var end: UnsafeMutableRawPointer { base! + count }

    /// Room for `bytes` more; the first allocation takes at least `first`. False if malloc says no.
    mutating func makeRoom(_ bytes: Int, first: Int) -> Bool {
        guard capacity - count < bytes else { return true }
        let grown = max(first, 2 * capacity, count + bytes)
        guard let memory = realloc(base, grown) else { return false }
        base = memory
        capacity = grown
        return true
    }
}
