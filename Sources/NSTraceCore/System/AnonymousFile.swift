import CNSTraceSys

/// A close-on-exec file in memory (memfd), readable as `/proc/self/fd/N`.
public enum AnonymousFile {
    public static func create(name: String) throws(Errno) -> Int32 {
        let fd = nst_anonymous_file(name)
        guard fd >= 0 else { throw Errno(rawValue: -fd) }
        return fd
    }
}
