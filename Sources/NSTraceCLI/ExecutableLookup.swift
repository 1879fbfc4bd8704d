#if canImport(Glibc)
import Glibc
#endif

/// Paths and environment `nstrace run` hands on.
enum ExecutableLookup {
    /// `NSTRACE_INIT`, else `nstrace-init` in the directory of the running `nstrace`.
    static func initPath() -> String {
        if let override = getenv("NSTRACE_INIT"), override.pointee != 0 { return String(cString: override) }
        return sibling("nstrace-init")
    }

    /// `name` in the directory of the running executable.
    static func sibling(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard length > 0 else { return name }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return directory + "/" + name
    }

    /// An executable named `name` on PATH, for newuidmap/newgidmap.
    static func find(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Our environment, which the command inherits.
    static func environment() -> [String] {
        var variables: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            variables.append(String(cString: entry))
            pointer += 1
        }
        return variables
    }
}
