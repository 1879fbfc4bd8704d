#if canImport(Glibc)
import Glibc
#endif
import NSTraceCollector
import NSTraceMetrics

/// Feeds followed bytes into a `Collector`, one collector source per followed incarnation.
public final class CollectorSink: TraceByteSink {
    public let collector: Collector
    private var sources: [Int: Collector.SourceID] = [:]
    private let name: (Int) -> String

    public init(collector: Collector, name: @escaping (Int) -> String = { "watched#\($0)" }) {
        self.collector = collector
        self.name = name
    }

    public func ingest(source: Int, bytes: UnsafeRawBufferPointer) {
        let id: Collector.SourceID
        if let existing = sources[source] {
            id = existing
        } else {
            id = collector.openSource(named: name(source))
            sources[source] = id
        }
        collector.ingest(bytes, from: id)
    }

    public func finish(source: Int) {
        guard let id = sources.removeValue(forKey: source) else { return }
        collector.endOfInput(from: id)
    }
}

/// Both expositions of one snapshot.
public struct RenderedMetrics: Sendable {
    public let prometheus: [UInt8]
    public let openMetrics: [UInt8]

    public init(_ snapshot: MetricsSnapshot) {
        let families = snapshot.families()
        prometheus = Exposition.render(families, format: .prometheus)
        openMetrics = Exposition.render(families, format: .openMetrics)
    }
}

/// `nstrace serve`: follows trace files into a collector, renders the exposition once per
/// change, and serves the cached bytes over HTTP until SIGINT or SIGTERM.
public final class MetricsService {
    public struct Options: Sendable {
        public var listen = ListenAddress.defaultAddress
        public var watch: [String] = []
        public var limits = ServerLimits()
        /// Starts without a new line for this long are finalized (as incomplete or failed).
        public var idleTimeoutNanoseconds: UInt64 = 30_000_000_000
        /// How often files are checked for new bytes.
        public var pollIntervalNanoseconds: UInt64 = 100_000_000
        public init() {}
    }

    private let options: Options
    private let collector = Collector()
    private let sink: CollectorSink
    private let follower: TraceFollower
    private let log: (String) -> Void

    public init(options: Options, log: @escaping (String) -> Void) {
        self.options = options
        self.log = log
        sink = CollectorSink(collector: collector)
        follower = TraceFollower(paths: options.watch, sink: sink)
    }

    /// Blocks SIGINT and SIGTERM in the calling thread — call before any other thread starts
    /// so every thread inherits the mask — and ignores SIGPIPE. `run` then waits for them.
    public static func prepareSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Serves until SIGINT/SIGTERM (`prepareSignals()` must have run). Returns the signal.
    public func run(ready: (ListenAddress) -> Void) throws -> Int32 {
        var rendered = RenderedMetrics(MetricsSnapshot(collector.aggregates))
        let server = try MetricsHTTPServer(listen: options.listen, limits: options.limits,
                                           prometheus: rendered.prometheus, openMetrics: rendered.openMetrics)
        defer { server.stop() }
        ready(server.boundAddress)

        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        var lastIdleCheck = MonotonicClock.nanoseconds()
        var lastRender = lastIdleCheck
        var dirty = false
        while true {
            var read = 0
            // Catch up without sleeping while a poll fills its byte budget (a big file at start),
            // re-rendering at most once a second meanwhile.
            repeat {
                read = follower.poll()
                if read > 0 { dirty = true }
                for warning in follower.takeWarnings() { log("warning: \(warning)") }
                if dirty && MonotonicClock.nanoseconds() - lastRender > 1_000_000_000 { break }
            } while read >= TraceFollower.Limits().maxBytesPerPoll
            let now = MonotonicClock.nanoseconds()
            if now - lastIdleCheck >= 1_000_000_000 {
                lastIdleCheck = now
                if collector.finalizeIdleStarts(idleLongerThan: options.idleTimeoutNanoseconds, now: now) > 0 {
                    dirty = true
                }
            }
            if dirty {
                rendered = RenderedMetrics(MetricsSnapshot(collector.aggregates))
                server.update(prometheus: rendered.prometheus, openMetrics: rendered.openMetrics)
                lastRender = MonotonicClock.nanoseconds()
                dirty = false
            }
            if read >= TraceFollower.Limits().maxBytesPerPoll { continue }
            var timeout = timespec(tv_sec: Int(options.pollIntervalNanoseconds / 1_000_000_000),
                                   tv_nsec: Int(options.pollIntervalNanoseconds % 1_000_000_000))
            let signal = sigtimedwait(&signals, nil, &timeout)
            if signal == SIGINT || signal == SIGTERM {
                follower.finishAll()
                return signal
            }
        }
    }
}
