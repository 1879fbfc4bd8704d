#if canImport(Glibc)
import Glibc
#endif

/// `nstrace serve` is the `nstrace-serve` executable next to `nstrace`: the HTTP server's
/// libraries (libmicrohttpd pulls in GnuTLS and six more) would otherwise load at every
/// `nstrace run`, before the start even begins.
enum ServeHandoff {
    static func main(_ arguments: [String]) throws -> Int32 {
        let path = ExecutableLookup.sibling("nstrace-serve")
        withCStrings(["nstrace serve"] + arguments) { argv in _ = execv(path, argv) }
        throw RuntimeError("cannot execute \(path): \(String(cString: strerror(errno)))")
    }

    private static func withCStrings(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Void) {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        body(pointers)
    }
}
