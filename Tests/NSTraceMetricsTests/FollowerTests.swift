import Foundation
import NSTraceMetrics
import Testing

/// Records what a `TraceFollower` hands over, per source.
final class RecordingSink: TraceByteSink {
    var bytes: [Int: [UInt8]] = [:]
    var finished: [Int] = []

    func ingest(source: Int, bytes chunk: UnsafeRawBufferPointer) { bytes[source, default: []] += Array(chunk) }
    func finish(source: Int) { finished.append(source) }

    func text(_ source: Int) -> String { String(decoding: bytes[source] ?? [], as: UTF8.self) }
    var all: String { bytes.keys.sorted().map { text($0) }.joined() }
}

@Suite struct FollowerTests {
    private func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func appendedBytesArriveInOrderEvenMidLine() throws {
        let dir = try TemporaryDirectoryScope()
        let path = dir.path("t.jsonl")
        try "one\ntw".write(toFile: path, atomically: false, encoding: .utf8)
        let sink = RecordingSink()
        let follower = TraceFollower(paths: [path], sink: sink)
        #expect(follower.poll() == 6)
        try append("o\nthree\n", to: path)
        #expect(follower.poll() == 8)
        #expect(follower.poll() == 0)
        #expect(sink.bytes.count == 1)
        #expect(sink.all == "one\ntwo\nthree\n")
        #expect(sink.finished.isEmpty)
    }

    @Test func rotationIsDrainedThenTheNewFileFollowed() throws {
        let dir = try TemporaryDirectoryScope()
        let path = dir.path("t.jsonl")
        try "a\n".write(toFile: path, atomically: false, encoding: .utf8)
        let sink = RecordingSink()
        let follower = TraceFollower(paths: [path], sink: sink)
        follower.poll()
        // A writer appends to the old file just before it is rotated away.
        try append("b\n", to: path)
        #expect(rename(path, path + ".1") == 0)
        try "c\n".write(toFile: path, atomically: false, encoding: .utf8)
        follower.poll()
        #expect(sink.bytes.count == 2, "a new source for the new file")
        #expect(sink.text(0) == "a\nb\n")
        #expect(sink.text(1) == "c\n")
        #expect(sink.finished == [0])
        try append("d\n", to: path)
        follower.poll()
        #expect(sink.text(1) == "c\nd\n")
    }

    @Test func truncationRereadsFromTheStart() throws {
        let dir = try TemporaryDirectoryScope()
        let path = dir.path("t.jsonl")
        try "first line\nsecond line\n".write(toFile: path, atomically: false, encoding: .utf8)
        let sink = RecordingSink()
        let follower = TraceFollower(paths: [path], sink: sink)
        follower.poll()
        let fd = open(path, O_WRONLY | O_TRUNC)
        #expect(fd >= 0)
        _ = "new\n".withCString { write(fd, $0, 4) }
        close(fd)
        follower.poll()
        #expect(sink.finished == [0])
        #expect(sink.text(1) == "new\n")
    }

    @Test func missingFileIsPickedUpWhenItAppears() throws {
        let dir = try TemporaryDirectoryScope()
        let path = dir.path("later.jsonl")
        let sink = RecordingSink()
        let follower = TraceFollower(paths: [path], sink: sink)
        #expect(follower.poll() == 0)
        #expect(follower.takeWarnings().count == 1)
        #expect(follower.poll() == 0)
        #expect(follower.takeWarnings().isEmpty, "warned once")
        try "x\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(follower.poll() == 2)
        // Removed, then created again: the new file is read from its start.
        #expect(unlink(path) == 0)
        follower.poll()
        #expect(sink.finished == [0])
        try "y\n".write(toFile: path, atomically: false, encoding: .utf8)
        follower.poll()
        #expect(sink.all == "x\ny\n")
    }

    @Test func directoryGainsNewFilesAndSkipsHiddenOnes() throws {
        let dir = try TemporaryDirectoryScope()
        try "1\n".write(toFile: dir.path("a.jsonl"), atomically: false, encoding: .utf8)
        let sink = RecordingSink()
        let follower = TraceFollower(paths: [dir.url.path], sink: sink)
        follower.poll()
        #expect(sink.all == "1\n")
        try "2\n".write(toFile: dir.path("b.jsonl"), atomically: false, encoding: .utf8)
        try "hidden\n".write(toFile: dir.path(".tmp"), atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir.path("sub"), withIntermediateDirectories: false)
        follower.poll()
        #expect(sink.bytes.count == 2)
        #expect(sink.all == "1\n2\n")
        // A file deleted from the directory is let go.
        #expect(unlink(dir.path("a.jsonl")) == 0)
        follower.poll()
        #expect(sink.finished == [0])
    }

    /// Rotation inside a watched directory: the renamed file is read on (not again from its
    /// start), the new file from its start; compressed rotations are not trace text.
    @Test func rotationInsideADirectoryIsNotReadTwice() throws {
        let dir = try TemporaryDirectoryScope()
        let path = dir.path("trace.jsonl")
        try "a\n".write(toFile: path, atomically: false, encoding: .utf8)
        let sink = RecordingSink()
        let follower = TraceFollower(paths: [dir.url.path], sink: sink)
        follower.poll()
        try append("b\n", to: path)
        #expect(rename(path, path + ".1") == 0)
        try "c\n".write(toFile: path, atomically: false, encoding: .utf8)
        try "binary".write(toFile: dir.path("trace.jsonl.2.gz"), atomically: false, encoding: .utf8)
        follower.poll()
        try append("d\n", to: path + ".1")
        follower.poll()
        #expect(sink.bytes.count == 2)
        #expect(sink.text(0) == "a\nb\nd\n")
        #expect(sink.text(1) == "c\n")
        #expect(sink.finished.isEmpty)
        // Truncation of a directory file is seen through its descriptor.
        let fd = open(path + ".1", O_WRONLY | O_TRUNC)
        close(fd)
        try append("e\n", to: path + ".1")
        follower.poll()
        #expect(sink.finished == [0])
        #expect(sink.text(2) == "e\n")
    }

    @Test func fileLimitIsEnforced() throws {
        let dir = try TemporaryDirectoryScope()
        for index in 0..<5 { try "\(index)\n".write(toFile: dir.path("f\(index)"), atomically: false, encoding: .utf8) }
        let sink = RecordingSink()
        var limits = TraceFollower.Limits()
        limits.maxFiles = 3
        let follower = TraceFollower(paths: [dir.url.path], sink: sink, limits: limits)
        follower.poll()
        #expect(sink.bytes.count == 3)
        #expect(follower.takeWarnings().contains { $0.contains("at most 3 files") })
    }

    @Test func onePollReadsAtMostItsBudget() throws {
        let dir = try TemporaryDirectoryScope()
        let path = dir.path("big")
        try String(repeating: "0123456789\n", count: 100_000).write(toFile: path, atomically: false, encoding: .utf8)
        let sink = RecordingSink()
        var limits = TraceFollower.Limits()
        limits.maxBytesPerPoll = 300_000
        let follower = TraceFollower(paths: [path], sink: sink, limits: limits)
        #expect(follower.poll() == 300_000)
        var total = 300_000
        while true {
            let read = follower.poll()
            if read == 0 { break }
            total += read
        }
        #expect(total == 1_100_000)
    }
}
