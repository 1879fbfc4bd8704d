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
    /// The parent's lines since the last flush, rendered then and put where they were
    /// recorded: after the stage lines read by that time (the collector sees a start's
    /// `start` begin line before its stages' lines, and its `start` end line after them).
    private var deferred: [(position: Int, render: (inout [UInt8]) -> Void)] = []
    /// The first `renderedLines.count` of them, formatted ahead of the flush into `rendered`.
    private var rendered: [UInt8] = []
    private var renderedLines: [Range<Int>] = []

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

    /// Records a line of the parent's, after every line the stages have written so far;
    /// `render` appends it to the output at the next flush. The stages' lines stay in the pipe until then: its
    /// byte count says where this line goes, and every stage line is one atomic write, so
    /// the count falls between lines. Reading them here cost the start some 60 µs.
    func record(_ render: @escaping (inout [UInt8]) -> Void) {
        var unread: Int32 = 0
        if pipeWrite >= 0 || pipeRead < 0 || ioctl(pipeRead, UInt(FIONREAD), &unread) < 0 {
            unread = 0  // until initStarted, lines go before every stage line; at EOF all is read
        }
        deferred.append((pending.count + Int(unread), render))
    }

    /// Formats the parent's lines recorded so far: done where the parent would only wait, it
    /// leaves the flush that follows the start (the command may be done by then) only copies.
    private func render() {
        for index in renderedLines.count..<deferred.count {
            let start = rendered.count
            deferred[index].render(&rendered)
            renderedLines.append(start..<rendered.count)
        }
    }

    /// Collects what the stages wrote and appends every complete line in one write.
    func flush() {
        drain()
        if !deferred.isEmpty {
            render()
            var merged: [UInt8] = []
            merged.reserveCapacity(pending.count + rendered.count)
            var copied = 0
            for (line, (position, _)) in zip(renderedLines, deferred) {
                merged += pending[copied..<position]
                merged += rendered[line]
                copied = position
            }
            merged += pending[copied...]
            pending = merged
            deferred.removeAll(keepingCapacity: true)
            rendered.removeAll(keepingCapacity: true)
            renderedLines.removeAll(keepingCapacity: true)
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

    /// Blocks until `fd` is readable (or hung up), flushing every `flushDelayMilliseconds`;
    /// formats the parent's lines first, as the stages run on without it.
    func waitReadable(_ fd: Int32) {
        render()
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&fds, 1, Self.flushDelayMilliseconds)
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
            var fds = [pollfd(fd: pipeRead, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 1, Int32((deadline - now) / 1_000_000) + 1)
        }
        flush()
    }
}
