import Foundation

/// Deterministic synthetic traces written per docs/trace-format.md (schema v1): each start
/// has the parent's `start` span, the init process's stages and a few steps; a start can
/// fail in `ns_open` (ENOENT, with an awkward namespace path in its error) or stop before
/// it ends (incomplete).
struct SyntheticTraces {
    enum Kind { case ok, failed, incomplete }

    var seed: UInt64
    private var counter: UInt64 = 0

    init(seed: UInt64 = 1) { self.seed = seed }

    /// The path the failing `ns_open` names: a quote, a backslash and a newline.
    static let awkwardPath = "/run/netns/we\"ird\\ns\nname"

    private mutating func nextRandom() -> UInt64 {
        // splitmix64
        seed &+= 0x9E37_79B9_7F4A_7C15
        var z = seed
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    private static func json(_ fields: [(String, Any)]) -> String {
        var parts: [String] = []
        for (key, value) in fields {
            let encoded: String
            switch value {
            case let string as String:
                let data = try! JSONSerialization.data(withJSONObject: [string], options: [.withoutEscapingSlashes])
                encoded = String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
            case let bool as Bool: encoded = bool ? "true" : "false"
            default: encoded = "\(value)"
            }
            parts.append("\"\(key)\":\(encoded)")
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// The lines of one start; durations in ns are returned too (the parent's start span).
    mutating func start(_ kind: Kind, baseMono: UInt64 = 1_000_000_000) -> (lines: [String], startNanoseconds: UInt64) {
        counter += 1
        let traceID = Self.hex(nextRandom(), digits: 16) + Self.hex(counter, digits: 16)
        let parentPID = 1000 + Int(counter % 30000)
        var seq: [String: Int] = [:]
        var lines: [String] = []
        var spanCounter: UInt64 = 0
        func span() -> String {
            spanCounter += 1
            return Self.hex(counter << 16 | spanCounter, digits: 16)
        }
        let root = span()
        let mono0 = baseMono + counter * 10_000_000
        func line(stage: String, step: String, kind: String, span: String, parent: String?, pid: Int, nsPID: Int,
                  mono: UInt64, extra: [(String, Any)] = [], level: String = "debug") {
            seq[stage == "setup" ? "stage-0" : stage, default: 0] += 1
            var fields: [(String, Any)] = [
                ("level", level), ("msg", "nsexec[\(pid)]: \(step) \(kind)"), ("v", 1), ("trace_id", traceID),
                ("span_id", span),
            ]
            if let parent { fields.append(("parent_span_id", parent)) }
            fields += [("kind", kind), ("stage", stage), ("step", step), ("pid", pid), ("ns_pid", nsPID),
                       ("seq", seq[stage == "setup" ? "stage-0" : stage]!), ("mono_ns", String(mono)),
                       ("wall_ns", String(1_700_000_000_000_000_000 + mono))]
            fields += extra
            lines.append(Self.json(fields))
        }
        func jitter(_ base: UInt64) -> UInt64 { base + nextRandom() % (base / 2 + 1) }

        var t = mono0
        line(stage: "parent", step: "start", kind: "begin", span: root, parent: nil, pid: parentPID, nsPID: parentPID,
             mono: t)
        let spawn = jitter(150_000)
        t += spawn
        line(stage: "parent", step: "spawn_init", kind: "end", span: span(), parent: root, pid: parentPID,
             nsPID: parentPID, mono: t, extra: [("dur_ns", spawn), ("outcome", "ok"), ("child_pid", parentPID + 1)])
        let s0 = span()
        let initPID = parentPID + 1
        line(stage: "setup", step: "stage-0", kind: "begin", span: s0, parent: root, pid: initPID, nsPID: initPID,
             mono: t)
        let read = jitter(20_000)
        t += read
        line(stage: "setup", step: "bootstrap_read", kind: "end", span: span(), parent: s0, pid: initPID,
             nsPID: initPID, mono: t, extra: [("dur_ns", read), ("outcome", "ok"), ("bytes", 96)])
        let clone = jitter(60_000)
        t += clone
        line(stage: "stage-0", step: "clone_stage1", kind: "end", span: span(), parent: s0, pid: initPID,
             nsPID: initPID, mono: t, extra: [("dur_ns", clone), ("outcome", "ok"), ("child_pid", initPID + 1)])
        let s1 = span()
        let s1PID = initPID + 1
        line(stage: "stage-1", step: "stage-1", kind: "begin", span: s1, parent: s0, pid: s1PID, nsPID: s1PID, mono: t)
        let openSpan = span()
        let nsPath = kind == .failed ? Self.awkwardPath : "/proc/1/ns/net"
        line(stage: "stage-1", step: "ns_open", kind: "begin", span: openSpan, parent: s1, pid: s1PID, nsPID: s1PID,
             mono: t, extra: [("ns", "net"), ("path", nsPath)])
        let open = jitter(8_000)
        t += open
        if kind == .failed {
            line(stage: "stage-1", step: "ns_open", kind: "end", span: openSpan, parent: s1, pid: s1PID, nsPID: s1PID,
                 mono: t, extra: [("dur_ns", open), ("outcome", "error"), ("errno", 2), ("errno_name", "ENOENT"),
                                  ("error", "failed to open \(nsPath): No such file or directory"),
                                  ("ns", "net"), ("path", nsPath)], level: "fatal")
            let stageDur = t - (mono0 + spawn + read + clone)
            line(stage: "stage-1", step: "stage-1", kind: "end", span: s1, parent: s0, pid: s1PID, nsPID: s1PID,
                 mono: t, extra: [("dur_ns", stageDur), ("outcome", "error"), ("errno", 2), ("errno_name", "ENOENT"),
                                  ("error", "stage-1 failed")], level: "fatal")
            t += 30_000
            line(stage: "stage-0", step: "stage-0", kind: "end", span: s0, parent: root, pid: initPID, nsPID: initPID,
                 mono: t, extra: [("dur_ns", t - mono0 - spawn), ("outcome", "error"), ("errno", 2),
                                  ("errno_name", "ENOENT"), ("error", "stage-1 failed")], level: "fatal")
            t += 40_000
            line(stage: "parent", step: "start", kind: "end", span: root, parent: nil, pid: parentPID,
                 nsPID: parentPID, mono: t, extra: [("dur_ns", t - mono0), ("outcome", "error"), ("errno", 2),
                                                    ("errno_name", "ENOENT"), ("error", "nsexec failed")],
                 level: "fatal")
            return (lines, t - mono0)
        }
        line(stage: "stage-1", step: "ns_open", kind: "end", span: openSpan, parent: s1, pid: s1PID, nsPID: s1PID,
             mono: t, extra: [("dur_ns", open), ("outcome", "ok"), ("ns", "net"), ("path", nsPath)])
        let join = jitter(12_000)
        t += join
        line(stage: "stage-1", step: "ns_join", kind: "end", span: span(), parent: s1, pid: s1PID, nsPID: s1PID,
             mono: t, extra: [("dur_ns", join), ("outcome", "ok"), ("ns", "net"), ("path", nsPath), ("pass", 1)])
        if kind == .incomplete { return (lines, 0) }
        let unshare = jitter(400_000)
        t += unshare
        line(stage: "stage-1", step: "unshare", kind: "end", span: span(), parent: s1, pid: s1PID, nsPID: s1PID,
             mono: t, extra: [("dur_ns", unshare), ("outcome", "ok"), ("flags", "0x6c020000"),
                              ("flag_names", "pid,net,uts,ipc,mnt")])
        line(stage: "stage-1", step: "stage-1", kind: "end", span: s1, parent: s0, pid: s1PID, nsPID: s1PID, mono: t,
             extra: [("dur_ns", open + join + unshare), ("outcome", "ok")])
        t += 50_000
        line(stage: "stage-0", step: "stage-0", kind: "end", span: s0, parent: root, pid: initPID, nsPID: initPID,
             mono: t, extra: [("dur_ns", t - mono0 - spawn), ("outcome", "ok")])
        let waitSpan = span()
        line(stage: "parent", step: "wait", kind: "begin", span: waitSpan, parent: root, pid: parentPID,
             nsPID: parentPID, mono: t)
        let wait = jitter(900_000)
        t += wait
        line(stage: "parent", step: "wait", kind: "end", span: waitSpan, parent: root, pid: parentPID,
             nsPID: parentPID, mono: t, extra: [("dur_ns", wait), ("outcome", "ok"), ("exit_status", 0)])
        line(stage: "parent", step: "start", kind: "end", span: root, parent: nil, pid: parentPID, nsPID: parentPID,
             mono: t, extra: [("dur_ns", t - mono0), ("outcome", "ok")])
        return (lines, t - mono0)
    }

    /// `ok` ok starts, `failed` failing ones and `incomplete` unfinished ones, interleaved
    /// deterministically, as one string of lines.
    mutating func trace(ok: Int, failed: Int, incomplete: Int) -> String {
        var kinds: [Kind] = Array(repeating: .ok, count: ok) + Array(repeating: .failed, count: failed)
            + Array(repeating: .incomplete, count: incomplete)
        for index in stride(from: kinds.count - 1, to: 0, by: -1) {
            kinds.swapAt(index, Int(nextRandom() % UInt64(index + 1)))
        }
        return kinds.map { start($0).lines.joined(separator: "\n") + "\n" }.joined()
    }
}
