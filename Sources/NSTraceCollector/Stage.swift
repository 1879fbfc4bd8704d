import CSimdJSONShim

/// The process a trace line comes from (docs/trace-format.md). `setup` and `stage0` are the
/// same process (the init process before and after it parsed its bootstrap message).
public enum Stage: UInt8, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case parent = 0, setup, stage0, stage1, stage2

    /// The spelling in the trace (`stage-0`).
    public var name: String {
        switch self {
        case .parent: "parent"
        case .setup: "setup"
        case .stage0: "stage-0"
        case .stage1: "stage-1"
        case .stage2: "stage-2"
        }
    }

    public var description: String { name }

    public init?(name: String) {
        guard let stage = Stage.allCases.first(where: { $0.name == name }) else { return nil }
        self = stage
    }

    /// The process this stage runs in: `setup` folds into `stage0`.
    public var process: Stage { self == .setup ? .stage0 : self }

    public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rawValue < rhs.rawValue }

    init(shim value: UInt8) { self = Stage(rawValue: value) ?? .parent }
}

/// How a start ended.
public enum StartOutcome: String, Sendable, CaseIterable, Comparable {
    /// The root span (or, without a parent, stage-0 and stage-2) ended without error.
    case ok
    /// A step failed; see `FailureKey`.
    case failed
    /// The trace ended (or went idle, or was evicted) while a step was still open.
    case incomplete

    public static func < (lhs: StartOutcome, rhs: StartOutcome) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
