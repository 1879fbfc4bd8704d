#if canImport(Glibc)
import Glibc
#endif
import CNSTraceSys
import NSTraceCore

/// The verbs that read traces run in the `nstrace-collector` executable next to `nstrace`.
/// `nstrace` is a static executable so that `nstrace run` reaches `main` in about 0.8 ms
/// instead of 2 ms; simdjson (Debian ships no static library of it) and libmicrohttpd (with
/// GnuTLS and seven more libraries) can only be linked dynamically, so they live there.
enum CollectorHandoff {
    static var path: String { ExecutableLookup.sibling("nstrace-collector") }

    /// A verb of `nstrace` that runs in `nstrace-collector`.
    static func verb(_ name: String, synopsis: String, summary: String) -> Verb {
        Verb(name: name, synopsis: synopsis, summary: summary, run: { try exec(name, $0) })
    }

    /// `nstrace VERB ARGS` becomes `nstrace-collector VERB ARGS`, in this process.
    private static func exec(_ verb: String, _ arguments: [String]) throws -> Int32 {
        let path = self.path
        withCStrings(["nstrace-collector", verb] + arguments) { argv in _ = execv(path, argv) }
        throw RuntimeError("cannot execute \(path): \(Errno.current)")
    }

    /// Starts `nstrace-collector timeline` on the trace open at `traceFD` (its fd 3), with its
    /// standard output on `output`; returns its pid, or nil if it could not start.
    private static func spawnTimeline(traceFD: Int32, _ arguments: [String], output: Int32) -> pid_t? {
        let path = self.path
        let fds: [Int32] = [0, output, 2, traceFD]
        let pid = withCStrings(["nstrace-collector", "timeline", "/proc/self/fd/3"] + arguments) { argv in
            nst_spawn(path, argv, environ, fds, Int32(fds.count))
        }
        return pid > 0 ? pid : nil
    }

    /// Draws the start `traceID` on standard error; false if that failed (it says why).
    static func printTimeline(traceFD: Int32, traceID: String) -> Bool {
        guard let pid = spawnTimeline(traceFD: traceFD, ["--trace", traceID], output: 2) else { return false }
        return InitProcess.wait(pid) == 0
    }

    /// The failed step of the start `traceID`, as `timeline --cause` prints it:
    /// "stage-1 ns_open ENOENT: failed to open /x: No such file or directory".
    static func cause(traceFD: Int32, traceID: String) -> String? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid = spawnTimeline(traceFD: traceFD, ["--trace", traceID, "--cause"], output: ends[1])
        close(ends[1])
        let text = (try? FileDescriptorIO.read(ends[0], upTo: 8192)).map { String(decoding: $0, as: UTF8.self) }
        close(ends[0])
        guard let pid, InitProcess.wait(pid) == 0, let line = text?.split(separator: "\n").first else { return nil }
        return String(line)
    }
}
