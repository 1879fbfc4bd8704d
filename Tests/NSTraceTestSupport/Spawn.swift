import Foundation

/// Where the built `nstrace` and `nstrace-init` live. `tools/test` builds them before
/// `swift test`; `NSTRACE_BUILD_DIR` points elsewhere (e.g. a `--scratch-path` build).
public enum TestBinaries {
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var buildDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["NSTRACE_BUILD_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }

    public static func path(_ name: String) -> String {
        buildDirectory.appendingPathComponent(name).path
    }

    /// True when the namespace tests can run. In CI (`CI=true`) they must never be skipped,
    /// so a missing privilege is a test failure there, not a skip.
    public static var canCreateNamespaces: Bool {
        if getuid() == 0 { return true }
        precondition(ProcessInfo.processInfo.environment["CI"] != "true",
                     "namespace tests need root and CI=true forbids skipping them")
        return false
    }
}

public struct ProcessResult: Sendable {
    public let status: Int32
    /// Set when the process was killed by a signal.
    public let signal: Int32?
    public let stdout: String
    public let stderr: String
}

/// Runs a program to completion and captures its output. Kills it after `timeout` seconds.
@discardableResult
public func runProgram(
    _ path: String, _ arguments: [String], environment: [String: String]? = nil,
    stdin: Data? = nil, timeout: TimeInterval = 60
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        input.fileHandleForWriting.write(stdin)
        try? input.fileHandleForWriting.close()
    }
    // Read both pipes concurrently so a chatty child never blocks on a full pipe.
    nonisolated(unsafe) var stdoutData = Data(), stderrData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { stdoutData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { stderrData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(2_000) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
    }
    process.waitUntilExit()
    group.wait()
    let signalled = process.terminationReason == .uncaughtSignal
    return ProcessResult(
        status: process.terminationStatus, signal: signalled ? process.terminationStatus : nil,
        stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
}

/// A fresh directory under the system temp dir, removed by the caller with `cleanup()`.
public struct TemporaryDirectory {
    public let url: URL
    public init(_ prefix: String = "nstrace-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    public func cleanup() { try? FileManager.default.removeItem(at: url) }
}
