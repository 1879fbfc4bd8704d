#if canImport(Glibc)
import Glibc
#endif

/// Atomic file replacement for node_exporter's textfile collector: the bytes go to a
/// temporary file in the same directory (same filesystem), are flushed with `fsync`, get
/// mode 0644, and are renamed over `path`. A reader sees the old file or the new one,
/// never a partial one; on failure the temporary file is removed and `path` is untouched.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !base.isEmpty else { throw MetricsError("'\(path)' names a directory, not a file") }
        // node_exporter only reads `*.prom`, so a temporary `.NAME.tmp.XXXXXX` is never scraped.
        var template = Array(((directory.isEmpty ? "" : directory + "/") + "." + base + ".tmp.XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw MetricsError("cannot create a temporary file in '\(directory)': \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)  // mkostemp is not visible from Swift
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        func fail(_ what: String) -> MetricsError {
            let message = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            return MetricsError("\(what) '\(path)': \(message)")
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw fail("cannot write")
            }
            offset += written
        }
        guard fchmod(fd, 0o644) == 0 else { throw fail("cannot chmod the temporary file for") }
        guard fsync(fd) == 0 else { throw fail("cannot fsync the temporary file for") }
        guard close(fd) == 0 else {
            unlink(temporary)
            throw MetricsError("cannot close the temporary file for '\(path)'")
        }
        guard rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw MetricsError("cannot rename over '\(path)': \(message)")
        }
    }
}
