#if canImport(Glibc)
import Glibc
#endif
import CNSTraceSys

/// A spawned `nstrace-init` and our end of its init socket, as runc's `newProcessComm` sets
/// them up: the socket is fd 3 in the child, the log fd (if any) fd 4, nothing else leaks.
public struct InitProcess: Sendable {
    public let pid: pid_t
    /// Our end of the init socket (close-on-exec).
    public let socket: Int32

    /// Both ends of a new init socket (close-on-exec): `ours` stays with the parent, `theirs`
    /// becomes the init's fd 3. Data sent on `ours` before the spawn waits in the socket.
    public static func socketPair() throws(Errno) -> (ours: Int32, theirs: Int32) {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw Errno.current
        }
        return (pair[0], pair[1])
    }

    /// `environment` is the init's whole environment; it should name fd 3 as
    /// `_LIBCONTAINER_INITPIPE` (and fd 4 as `_LIBCONTAINER_LOGPIPE` when `logFD` >= 0).
    /// Takes over both ends of `socket` (from `socketPair()`, or a new pair).
    public static func spawn(
        path: String, environment: [String], logFD: Int32, socket: (ours: Int32, theirs: Int32)? = nil
    ) throws(Errno) -> InitProcess {
        let pair: (ours: Int32, theirs: Int32)
        if let socket { pair = socket } else { pair = try socketPair() }
        let pid = withCStrings(["nstrace-init"]) { argv in
            withCStrings(environment) { envp in nst_spawn_init(path, argv, envp, pair.theirs, logFD) }
        }
        close(pair.theirs)
        guard pid > 0 else {
            close(pair.ours)
            throw Errno(rawValue: -pid)
        }
        return InitProcess(pid: pid, socket: pair.ours)
    }

    /// Waits for a process of ours; returns its exit status, or 128 + signal.
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// Calls `body` with a NULL-terminated C array of C strings (argv, envp).
public func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
