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
    /// The stages' lines read so far and not written yet: whole lines after each drain.
    private var pending: [UInt8] = []
    /// The parent's lines since the last flush, each to go where it was recorded: after the
    /// first `parentLinePositions[i]` bytes of stage lines (the collector sees a start's `start`
    /// begin line before its stages' lines, and its `start` end line after them). Line i ends
    /// at `parentLineEnds[i]` in `parentLines`. Arrays of Int and UInt8 only: their metadata
    /// is built into the runtime, where a tuple or closure element type is made at run time.
    private var parentLines: [UInt8] = []
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

    /// Allocated at the first read, after the spawn; one page, as every page touched costs a fault.
    private lazy var chunk = [UInt8](repeating: 0, count: 4 << 10)

    /// Reads what the pipe holds now; false once it is at EOF.
    @discardableResult
    private func drain() -> Bool {
        while pipeRead >= 0 {
            let got = chunk.withUnsafeMutableBytes { read(pipeRead, $0.baseAddress, $0.count) }
            if got > 0 {
                // A start's lines take some 20 KiB: reserved at the first read, after the
                // spawn, as everything before the spawn delays the start.
                if pending.capacity == 0 { pending.reserveCapacity(32 << 10) }
                pending += chunk[..<got]
            } else if got == 0 {
                close(pipeRead)
                pipeRead = -1
            } else if errno != EINTR {
                return true  // EAGAIN: nothing more for now
            }
        }
        return false
    }

    /// Records a line of the parent's, which `format` appends, to go after every line the
    /// stages have written so far. The stages' lines stay in the pipe until the next flush:
    /// its byte count says where this line goes, and every stage line is one atomic write, so
    /// the count falls between lines. Reading them here cost the start some 60 µs.
    func record(_ format: (inout [UInt8]) -> Void) {
        var unread: Int32 = 0
        if pipeWrite >= 0 || pipeRead < 0 || ioctl(pipeRead, UInt(FIONREAD), &unread) < 0 {
            unread = 0  // until initStarted, lines go before every stage line; at EOF all is read
        }
        parentLinePositions.append(pending.count + Int(unread))
        format(&parentLines)
        parentLineEnds.append(parentLines.count)
    }

    /// Collects what the stages wrote and appends every complete line in one write.
    func flush() {
        drain()
        if !parentLineEnds.isEmpty {
            var merged: [UInt8] = []
            merged.reserveCapacity(pending.count + parentLines.count)
            var copied = 0
            var lineStart = 0
            for index in parentLineEnds.indices {
                let position = parentLinePositions[index]
                merged += pending[copied..<position]
                merged += parentLines[lineStart..<parentLineEnds[index]]
                copied = position
                lineStart = parentLineEnds[index]
            }
            merged += pending[copied...]
            pending = merged
            parentLines.removeAll(keepingCapacity: true)
            parentLineEnds.removeAll(keepingCapacity: true)
            parentLinePositions.removeAll(keepingCapacity: true)
        }
        guard let end = pending.lastIndex(of: UInt8(ascii: "\n")) else { return }
        let count = end + 1
        var offset = 0
        while offset < count {
            let written = pending.withUnsafeBytes { write(output, $0.baseAddress! + offset, count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { break }  // a full FIFO or a full disk: the lines are lost, not the start
            offset += written
        }
        pending.removeFirst(count)
    }

    /// Blocks until `fd` is readable (or hung up), flushing every `flushDelayMilliseconds`.
    func waitReadable(_ fd: Int32) {
        var readable = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)  // not an array: see parentLines
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
