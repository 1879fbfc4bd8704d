#if canImport(Glibc)
import Glibc
#endif
import CSimdJSONShim

/// Reads trace input into a `LineConsumer`: regular files through `mmap` (parsed in place,
/// pages released behind the parser so RSS stays flat), anything else (stdin, pipes)
/// through `read(2)` chunks with the partial last line carried over.
enum TraceReader {
    /// Bytes parsed between releases of the mapping's pages.
    static let window = 8 << 20
    static let readChunk = 1 << 20

    /// Reads `path` (`-` is standard input) to its end.
    static func read(path: String, into consumer: some LineConsumer) throws {
        var source = SourceState(name: path == "-" ? "<stdin>" : path)
        if path == "-" {
            try read(fd: 0, path: "<stdin>", into: consumer, source: &source)
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw TraceReadError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        try read(fd: fd, path: path, into: consumer, source: &source)
    }

    static func read(fd: Int32, path: String, into consumer: some LineConsumer, source: inout SourceState) throws {
        var status = stat()
        if fstat(fd, &status) != 0 { throw TraceReadError(path: path, reason: String(cString: strerror(errno))) }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw TraceReadError(path: path, reason: "is a directory") }
        if (status.st_mode & S_IFMT) == S_IFREG && status.st_size > 0 {
            try readMapped(fd: fd, size: Int(status.st_size), path: path, into: consumer, source: &source)
        } else {
            try readStream(fd: fd, path: path, into: consumer, source: &source)
        }
    }

    private static func readMapped(fd: Int32, size: Int, path: String, into consumer: some LineConsumer,
                                   source: inout SourceState) throws {
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            // Some files (procfs, FUSE) cannot be mapped: read them instead.
            try readStream(fd: fd, path: path, into: consumer, source: &source)
            return
        }
        defer { munmap(map, size) }
        madvise(map, size, MADV_NORMAL)
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let base = UnsafeRawPointer(map)
        let processors = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if size >= parallelThreshold && processors > 1 {
            readParallel(base: base, size: size, fd: fd, workers: min(processors, 4), pageSize: pageSize, into: consumer,
                         source: &source)
            return
        }
        var offset = 0
        var released = 0
        while offset < size {
            var end = min(offset + window, size)
            if end < size {
                // Windows end after a newline so no line is split (a huge line widens its window).
                var last = end - 1
                while last >= offset && base.load(fromByteOffset: last, as: UInt8.self) != 0x0a { last -= 1 }
                if last >= offset {
                    end = last + 1
                } else if let newline = memchr(base + end, 0x0a, size - end) {
                    end = base.distance(to: UnsafeRawPointer(newline)) + 1
                } else {
                    end = size
                }
            }
            let bytes = UnsafeRawBufferPointer(start: base + offset, count: end - offset)
            // The window holds whole lines (or the file's last, unterminated one), so it is consumed whole.
            _ = consumer.parser.parse(bytes, readable: size - offset, atEnd: end == size) { records in
                consumer.consume(records, source: &source)
            }
            offset = end
            // Drop the pages already parsed: file-backed pages count toward RSS otherwise.
            let releasable = offset / pageSize * pageSize
            if releasable - released >= window {
                madvise(UnsafeMutableRawPointer(mutating: base + released), releasable - released, MADV_DONTNEED)
                released = releasable
            }
        }
    }

    /// Files at least this big are parsed on several threads.
    static let parallelThreshold = 16 << 20

    private static func readParallel(base: UnsafeRawPointer, size: Int, fd: Int32, workers: Int, pageSize: Int,
                                     into consumer: some LineConsumer, source: inout SourceState) {
        let job = ParallelParse(base: base, size: size, fd: fd, workerCount: workers)
        // Per worker: its name ids -> the consumer parser's ids.
        var translations = Array(repeating: [UInt16](), count: workers)
        var released = 0
        job.run { records, newNames, worker, windowEnd in
            for name in newNames { translations[worker].append(consumer.parser.intern(name)) }
            translations[worker].withUnsafeBufferPointer { table in
                for index in records.indices {
                    records[index].step = table[Int(records[index].step)]
                    records[index].errno_name = table[Int(records[index].errno_name)]
                    records[index].ns = table[Int(records[index].ns)]
                }
            }
            consumer.consume(UnsafeBufferPointer(records), source: &source)
            let releasable = windowEnd / pageSize * pageSize
            if releasable > released {
                madvise(UnsafeMutableRawPointer(mutating: base + released), releasable - released, MADV_DONTNEED)
                released = releasable
            }
        }
    }

    private static func readStream(fd: Int32, path: String, into consumer: some LineConsumer,
                                   source: inout SourceState) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readChunk, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, readChunk)
            if count < 0 {
                if errno == EINTR { continue }
                throw TraceReadError(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), atEnd: false, into: consumer, source: &source)
        }
        feed(UnsafeRawBufferPointer(start: nil, count: 0), atEnd: true, into: consumer, source: &source)
    }

    /// Parses one chunk of a stream; the unterminated tail waits in `source.carry` for the
    /// next chunk (or is parsed as the last line when `atEnd`).
    static func feed(_ chunk: UnsafeRawBufferPointer, atEnd: Bool, into consumer: some LineConsumer,
                     source: inout SourceState) {
        var rest = chunk
        if !source.carry.isEmpty || source.discardingLongLine {
            let newline = rest.firstIndex(of: 0x0a)
            let head = UnsafeRawBufferPointer(rebasing: rest[0..<(newline.map { $0 + 1 } ?? rest.count)])
            rest = UnsafeRawBufferPointer(rebasing: rest[head.count...])
            if source.discardingLongLine {
                if newline != nil || atEnd {
                    source.discardingLongLine = false
                    consumer.consumeOverlongLine(length: Int(NST_MAX_LINE), source: &source)
                }
            } else {
                source.carry.append(contentsOf: head)
                if newline != nil || atEnd {
                    var carried: [UInt8] = []
                    swap(&carried, &source.carry)
                    carried.withUnsafeBytes { bytes in
                        _ = consumer.parser.parse(bytes, readable: bytes.count, atEnd: true) { records in
                            consumer.consume(records, source: &source)
                        }
                    }
                } else if source.carry.count > Int(NST_MAX_LINE) {
                    source.carry = []
                    source.discardingLongLine = true
                }
            }
            if newline == nil { return }
        }
        guard rest.count > 0 else { return }
        let consumed = consumer.parser.parse(rest, readable: rest.count, atEnd: atEnd) { records in
            consumer.consume(records, source: &source)
        }
        if consumed < rest.count {
            let tail = rest[consumed...]
            if tail.count > Int(NST_MAX_LINE) {
                source.discardingLongLine = true
            } else {
                source.carry.append(contentsOf: tail)
            }
        }
    }
}
