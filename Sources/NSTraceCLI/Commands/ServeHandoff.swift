#if canImport(Glibc)
import Glibc
#endif
import NSTraceCore

/// `nstrace serve` is the `nstrace-serve` executable next to `nstrace`: the HTTP server's
/// libraries (libmicrohttpd pulls in GnuTLS and six more) would otherwise load at every
/// `nstrace run`, before the start even begins.
enum ServeHandoff {
    static func main(_ arguments: [String]) throws -> Int32 {
        let path = ExecutableLookup.sibling("nstrace-serve")
        withCStrings(["nstrace serve"] + arguments) { argv in _ = execv(path, argv) }
        throw RuntimeError("cannot execute \(path): \(String(cString: strerror(errno)))")
    }
}
