#if canImport(Glibc)
import Glibc
#endif

/// Where followed bytes go. A *source* is one incarnation of one file: a rotated or
/// truncated file continues under a new source id, so a line cut in half by the rotation
/// is never glued to the first line of the new file.
public protocol TraceByteSink: AnyObject {
    /// Appended bytes of `source`; a chunk may end in the middle of a line.
    func ingest(source: Int, bytes: UnsafeRawBufferPointer)
    /// `source` will get no more bytes (file rotated away, truncated or removed).
    func finish(source: Int)
}

/// Follows trace files the way `tail -F` does.
///
/// - A **file path** is read from its start, then as it grows. When the path names another
///   file (inode change: rotation, replacement), the old file is read to its end and the new
///   one followed from its start; a file that shrinks (truncation) is read again from its
///   start; a path that does not exist (yet, or any more) is retried.
/// - A **directory** is scanned on every poll: its regular, non-hidden, uncompressed files
///   are followed by identity (device and inode), so a file renamed inside it (`trace.jsonl`
///   → `trace.jsonl.1`) is read on, not read twice; new files are added from their start;
///   deleted ones are read to their end and dropped.
///
/// Not thread-safe: one thread calls `poll()`.
public final class TraceFollower {
    public struct Limits: Sendable {
        /// Most files followed at once (directories can hold many).
        public var maxFiles = 256
        /// Most bytes read per `poll()` over all files, so one poll stays short.
        public var maxBytesPerPoll = 16 << 20
        public init() {}
    }

    private struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private struct Followed {
        var path: String
        /// The directory it was found in; nil for a path given explicitly.
        var directory: String?
        var fd: Int32 = -1
        var identity = Identity(device: 0, inode: 0)
        var offset: Int64 = 0
        var source: Int = -1
        /// Seen by the latest scan of its directory.
        var seen = true
    }

    /// Names in a directory that are not trace text.
    private static let skippedSuffixes = [".gz", ".xz", ".zst", ".bz2", ".lz4", ".zip", ".swp", ".tmp"]

    private let roots: [String]
    private let limits: Limits
    private unowned let sink: any TraceByteSink
    private var entries: [Int: Followed] = [:]
    private var order: [Int] = []
    private var nextEntry = 0
    private var explicitPaths: [String: Int] = [:]
    private var directoryFiles: [Identity: Int] = [:]
    private var nextSource = 0
    private var buffer: UnsafeMutableRawBufferPointer
    private var warnings: [String] = []
    private var warned: Set<String> = []

    public init(paths: [String], sink: any TraceByteSink, limits: Limits = Limits()) {
        roots = paths
        self.limits = limits
        self.sink = sink
        buffer = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        for entry in entries.values where entry.fd >= 0 { close(entry.fd) }
        buffer.deallocate()
    }

    /// Warnings since the last call (unreadable paths, file limit reached); each is given once.
    public func takeWarnings() -> [String] {
        defer { warnings = [] }
        return warnings
    }

    /// Reads what is new. Returns the number of bytes ingested; when it returns
    /// `limits.maxBytesPerPoll` or more, more bytes may be waiting.
    @discardableResult
    public func poll() -> Int {
        discover()
        var total = 0
        for id in order {
            guard total < limits.maxBytesPerPoll else { break }
            total += pollEntry(id, budget: limits.maxBytesPerPoll - total)
        }
        return total
    }

    /// Every source still open is finished (on shutdown).
    public func finishAll() {
        for id in order { closeEntry(id) }
    }

    // MARK: - Discovery

    private func discover() {
        for root in roots {
            var info = stat()
            guard stat(root, &info) == 0 else {
                warnOnce("'\(root)' does not exist (yet); following it when it appears", key: "missing:" + root)
                // A directory that went away takes its files with it.
                for id in order where entries[id]?.directory == root { entries[id]?.seen = false }
                if explicitPaths[root] == nil { add(Followed(path: root, directory: nil)) }
                continue
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                scanDirectory(root)
            } else if explicitPaths[root] == nil {
                add(Followed(path: root, directory: nil))
            }
        }
    }

    private func scanDirectory(_ directory: String) {
        guard let dir = opendir(directory) else {
            warnOnce("cannot read directory '\(directory)': \(String(cString: strerror(errno)))", key: "dir:" + directory)
            return
        }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") || Self.skippedSuffixes.contains(where: { name.hasSuffix($0) }) { continue }
            names.append(name)
        }
        closedir(dir)
        for id in order where entries[id]?.directory == directory { entries[id]?.seen = false }
        let explicitIdentities = Set(explicitPaths.values.compactMap { entries[$0] }.filter { $0.fd >= 0 }
            .map(\.identity))
        for name in names.sorted() {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let identity = Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if let id = directoryFiles[identity] {
                entries[id]?.seen = true
                entries[id]?.path = path  // renamed within the directory: read on
                continue
            }
            // Also given explicitly: followed once, by its path.
            if explicitIdentities.contains(identity) { continue }
            var entry = Followed(path: path, directory: directory)
            guard open(&entry), entry.identity == identity else {
                if entry.fd >= 0 { closeFD(&entry) }
                continue
            }
            if let id = add(entry) { directoryFiles[identity] = id } else { closeFD(&entry) }
        }
    }

    @discardableResult
    private func add(_ entry: Followed) -> Int? {
        guard entries.count < limits.maxFiles else {
            warnOnce("following at most \(limits.maxFiles) files; '\(entry.path)' and later ones are ignored",
                     key: "limit")
            return nil
        }
        let id = nextEntry
        nextEntry += 1
        entries[id] = entry
        order.append(id)
        if entry.directory == nil { explicitPaths[entry.path] = id }
        return id
    }

    private func remove(_ id: Int) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        order.removeAll { $0 == id }
        if directoryFiles[entry.identity] == id { directoryFiles[entry.identity] = nil }
    }

    private func warnOnce(_ message: String, key: String) {
        if warned.insert(key).inserted { warnings.append(message) }
    }

    // MARK: - Reading

    private func pollEntry(_ id: Int, budget: Int) -> Int {
        guard var entry = entries[id] else { return 0 }
        defer { if entries[id] != nil { entries[id] = entry } }
        if entry.directory != nil {
            // Followed by identity: the fd stays valid whatever its name becomes.
            var read = readTruncationAware(&entry, budget: budget)
            if !entry.seen && read < budget {
                read += drain(&entry, budget: budget - read)
                if read < budget {
                    entries[id] = entry
                    closeEntry(id)
                    remove(id)
                }
            }
            return read
        }
        var info = stat()
        let exists = stat(entry.path, &info) == 0
        if entry.fd >= 0 {
            let current = Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            guard exists && current == entry.identity else {
                // Rotated, replaced or removed: drain what the old file still holds, then let go.
                var read = drain(&entry, budget: budget)
                if read >= budget { return read }
                entries[id] = entry
                closeEntry(id)
                entry = entries[id]!
                if exists, (info.st_mode & S_IFMT) == S_IFREG, open(&entry) {
                    read += drain(&entry, budget: budget - read)
                }
                return read
            }
            return readTruncationAware(&entry, budget: budget)
        }
        guard exists, (info.st_mode & S_IFMT) == S_IFREG, open(&entry) else { return 0 }
        return drain(&entry, budget: budget)
    }

    /// Reads appended bytes; a file shorter than what was read of it was truncated, and is
    /// read again from its start as a new source.
    private func readTruncationAware(_ entry: inout Followed, budget: Int) -> Int {
        var own = stat()
        if fstat(entry.fd, &own) == 0, Int64(own.st_size) < entry.offset {
            sink.finish(source: entry.source)
            entry.offset = 0
            entry.source = takeSource()
            _ = lseek(entry.fd, 0, SEEK_SET)
        }
        return drain(&entry, budget: budget)
    }

    private func open(_ entry: inout Followed) -> Bool {
        let fd = Glibc.open(entry.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            warnOnce("cannot open '\(entry.path)': \(String(cString: strerror(errno)))", key: "open:" + entry.path)
            return false
        }
        var info = stat()
        _ = fstat(fd, &info)
        entry.fd = fd
        entry.identity = Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        entry.offset = 0
        entry.source = takeSource()
        return true
    }

    private func drain(_ entry: inout Followed, budget: Int) -> Int {
        guard entry.fd >= 0 else { return 0 }
        var total = 0
        while total < budget {
            let want = min(buffer.count, budget - total)
            let count = Glibc.read(entry.fd, buffer.baseAddress, want)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            sink.ingest(source: entry.source, bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            entry.offset += Int64(count)
            total += count
        }
        return total
    }

    private func closeEntry(_ id: Int) {
        guard var entry = entries[id], entry.fd >= 0 else { return }
        sink.finish(source: entry.source)
        closeFD(&entry)
        entries[id] = entry
    }

    private func closeFD(_ entry: inout Followed) {
        close(entry.fd)
        entry.fd = -1
        entry.offset = 0
    }

    private func takeSource() -> Int {
        defer { nextSource += 1 }
        return nextSource
    }
}
