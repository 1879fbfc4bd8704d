import Foundation
import Testing

/// Fixture traces and golden outputs in Tests/NSTraceCollectorTests/Fixtures.
/// `NSTRACE_UPDATE_GOLDEN=1 swift test` rewrites the golden files from the current output.
enum FixtureFiles {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Output with the fixture directory removed from file:line examples, so goldens do not
    /// depend on where the repository is checked out.
    static func portable(_ text: String) -> String {
        text.replacingOccurrences(of: directory.path + "/", with: "")
    }

    static func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent("golden").appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["NSTRACE_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "golden \(name) differs; NSTRACE_UPDATE_GOLDEN=1 rewrites it", sourceLocation: sourceLocation)
    }

    /// Writes `text` to a fresh temporary file and returns its path.
    static func temporary(_ text: String, name: String = "trace.jsonl") throws -> String {
        try temporary(Data(text.utf8), name: name)
    }

    static func temporary(_ data: Data, name: String = "trace.jsonl") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nstrace-collector-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }
}
