#if canImport(Glibc)
import Glibc
#endif
import CMicroHTTPD
import NSTraceMetrics
import Synchronization

/// `ADDR:PORT` for `--listen`: an IPv4 address, `[IPv6]`, or `localhost`; port 0 picks a free one.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public var isIPv6: Bool

    public static let defaultAddress = ListenAddress(host: "127.0.0.1", port: 9464, isIPv6: false)

    public init(host: String, port: UInt16, isIPv6: Bool) {
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
    }

    public init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":") else {
            throw MetricsError("'\(text)' is not ADDR:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)")
        }
        var host = String(text[..<colon])
        let portText = String(text[text.index(after: colon)...])
        guard let port = UInt16(portText) else {
            throw MetricsError("'\(portText)' in '\(text)' is not a port number (0-65535)")
        }
        var v6 = false
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            v6 = true
        }
        if host == "localhost" { host = "127.0.0.1" }
        if host.isEmpty {
            throw MetricsError("'\(text)' has no address; give one, e.g. 127.0.0.1:\(port) or 0.0.0.0:\(port)")
        }
        var probe4 = in_addr(), probe6 = in6_addr()
        if v6 {
            guard inet_pton(AF_INET6, host, &probe6) == 1 else { throw MetricsError("'\(host)' is not an IPv6 address") }
        } else if inet_pton(AF_INET, host, &probe4) != 1 {
            if inet_pton(AF_INET6, host, &probe6) == 1 {
                throw MetricsError("write an IPv6 address in brackets: [\(host)]:\(port)")
            }
            throw MetricsError("'\(host)' is not an IPv4 address (names other than localhost are not resolved)")
        }
        self.init(host: host, port: port, isIPv6: v6)
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Limits that keep the server answering under abuse. The defaults are what `nstrace serve` uses.
public struct ServerLimits: Sendable {
    /// Concurrent connections accepted; beyond that new connections are refused at once.
    public var connectionLimit: UInt32 = 1_000
    /// Seconds of inactivity after which a connection (e.g. a client that never finishes
    /// its request) is closed.
    public var connectionTimeoutSeconds: UInt32 = 10
    /// Per-connection memory for the request (headers included); a bigger request gets
    /// `431 Request Header Fields Too Large`.
    public var connectionMemoryBytes: Int = 32 * 1024
    /// Worker threads of the epoll thread pool.
    public var threads: UInt32 = 2

    public init() {}
}

/// The HTTP endpoint: `GET /metrics` (Accept-negotiated), `GET /healthz`, 404 for other
/// paths, 405 (with `Allow`) for other methods. libmicrohttpd runs it on an epoll thread
/// pool; the handlers only queue pre-built, reference-counted `MHD_Response`s, so a scrape
/// costs no rendering and no allocation on our side.
public final class MetricsHTTPServer: Sendable {
    /// The MHD objects; every access holds the lock, including `MHD_queue_response`, so a
    /// response is never destroyed between being looked up and being queued.
    private struct State: @unchecked Sendable {
        // @unchecked: the pointers are MHD objects, which are thread-safe reference-counted
        // C objects; we only touch them with this lock held.
        var daemon: OpaquePointer?
        var prometheus: OpaquePointer?
        var openMetrics: OpaquePointer?
        var healthz: OpaquePointer?
        var notFound: OpaquePointer?
        var notAllowed: OpaquePointer?
    }

    private let state: Mutex<State>
    /// The address actually bound (the port is filled in when 0 was asked for).
    public let boundAddress: ListenAddress

    /// Binds and starts serving `prometheus`/`openMetrics` bytes at once.
    public init(listen: ListenAddress, limits: ServerLimits = ServerLimits(),
                prometheus: [UInt8], openMetrics: [UInt8]) throws {
        raiseFileLimit(to: UInt64(limits.connectionLimit) + 64)
        let (fd, bound) = try Self.bindSocket(listen)
        boundAddress = bound
        state = Mutex(State())

        let healthz = Self.makeResponse(Array("ok\n".utf8), contentType: "text/plain; charset=utf-8")
        let notFound = Self.makeResponse(
            Array("404 not found: try /metrics or /healthz\n".utf8), contentType: "text/plain; charset=utf-8")
        let notAllowed = Self.makeResponse(
            Array("405 method not allowed: use GET or HEAD\n".utf8), contentType: "text/plain; charset=utf-8")
        _ = MHD_add_response_header(notAllowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD")
        let prom = Self.makeResponse(prometheus, contentType: ExpositionFormat.prometheus.contentType)
        let om = Self.makeResponse(openMetrics, contentType: ExpositionFormat.openMetrics.contentType)
        state.withLock {
            $0.healthz = healthz
            $0.notFound = notFound
            $0.notAllowed = notAllowed
            $0.prometheus = prom
            $0.openMetrics = om
        }

        var options: [MHD_OptionItem] = [
            MHD_OptionItem(option: .LISTEN_SOCKET, value: Int(fd), ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_LIMIT, value: Int(limits.connectionLimit), ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: Int(limits.connectionTimeoutSeconds),
                           ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_MEMORY_LIMIT, value: limits.connectionMemoryBytes,
                           ptr_value: nil),
            MHD_OptionItem(option: .THREAD_POOL_SIZE, value: Int(limits.threads), ptr_value: nil),
            MHD_OptionItem(option: .END, value: 0, ptr_value: nil),
        ]
        let flags = MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue
        let context = Unmanaged.passUnretained(self).toOpaque()
        let daemon = options.withUnsafeMutableBufferPointer {
            nstrace_mhd_start_daemon(flags, metricsAccessHandler, context, $0.baseAddress)
        }
        guard let daemon else {
            close(fd)
            state.withLock { Self.destroyResponses(&$0) }
            throw MetricsError("libmicrohttpd could not start a server on \(bound)")
        }
        state.withLock { $0.daemon = daemon }
    }

    deinit { stop() }

    /// Replaces the cached expositions; in-flight responses keep the old bytes.
    public func update(prometheus: [UInt8], openMetrics: [UInt8]) {
        let prom = Self.makeResponse(prometheus, contentType: ExpositionFormat.prometheus.contentType)
        let om = Self.makeResponse(openMetrics, contentType: ExpositionFormat.openMetrics.contentType)
        let old = state.withLock { state -> (OpaquePointer?, OpaquePointer?) in
            defer { state.prometheus = prom; state.openMetrics = om }
            return (state.prometheus, state.openMetrics)
        }
        if let response = old.0 { MHD_destroy_response(response) }
        if let response = old.1 { MHD_destroy_response(response) }
    }

    /// Stops accepting, closes every connection, frees the responses. Idempotent.
    public func stop() {
        let daemon = state.withLock { state -> OpaquePointer? in
            defer { state.daemon = nil }
            return state.daemon
        }
        guard let daemon else { return }
        // Outside the lock: stopping joins the worker threads, which may be waiting for it.
        let fd = MHD_quiesce_daemon(daemon)
        MHD_stop_daemon(daemon)
        if fd >= 0 { close(fd) }
        state.withLock { Self.destroyResponses(&$0) }
    }

    fileprivate func handle(connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>)
        -> MHD_Result
    {
        let isGet = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0
        return state.withLock { state -> MHD_Result in
            guard isGet else { return MHD_queue_response(connection, 405, state.notAllowed) }
            if strcmp(url, "/metrics") == 0 {
                let accept = MHD_lookup_connection_value(connection, .HEADER_KIND, "Accept")
                    .map { String(cString: $0) }
                let format = ExpositionFormat.negotiate(accept: accept)
                return MHD_queue_response(connection, 200,
                                          format == .openMetrics ? state.openMetrics : state.prometheus)
            }
            if strcmp(url, "/healthz") == 0 { return MHD_queue_response(connection, 200, state.healthz) }
            return MHD_queue_response(connection, 404, state.notFound)
        }
    }

    private static func makeResponse(_ bytes: [UInt8], contentType: String) -> OpaquePointer? {
        let response = bytes.withUnsafeBytes { buffer in
            MHD_create_response_from_buffer(buffer.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress),
                                            .RESPMEM_MUST_COPY)
        }
        if let response { _ = MHD_add_response_header(response, "Content-Type", contentType) }
        return response
    }

    private static func destroyResponses(_ state: inout State) {
        for response in [state.prometheus, state.openMetrics, state.healthz, state.notFound, state.notAllowed] {
            if let response { MHD_destroy_response(response) }
        }
        state.prometheus = nil; state.openMetrics = nil; state.healthz = nil
        state.notFound = nil; state.notAllowed = nil
    }

    /// bind(2) to `address`, then getsockname(2) back into it, so port 0 becomes the chosen port.
    private static func bindReportingAddress<Address>(_ fd: Int32, _ address: inout Address) -> Int32 {
        let size = socklen_t(MemoryLayout<Address>.size)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
        }
        guard result == 0 else { return result }
        var length = size
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return 0
    }

    /// Our own listening socket (so the chosen port is known and bind errors are clear).
    private static func bindSocket(_ address: ListenAddress) throws -> (Int32, ListenAddress) {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                            | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw MetricsError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        let port: UInt16
        if address.isIPv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = address.port.bigEndian
            _ = inet_pton(AF_INET6, address.host, &sa.sin6_addr)
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            result = bindReportingAddress(fd, &sa)
            port = UInt16(bigEndian: sa.sin6_port)
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = address.port.bigEndian
            _ = inet_pton(AF_INET, address.host, &sa.sin_addr)
            result = bindReportingAddress(fd, &sa)
            port = UInt16(bigEndian: sa.sin_port)
        }
        if result != 0 {
            let message = String(cString: strerror(errno))
            close(fd)
            throw MetricsError("cannot listen on \(address): \(message)")
        }
        guard listen(fd, 1024) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw MetricsError("cannot listen on \(address): \(message)")
        }
        return (fd, ListenAddress(host: address.host, port: port, isIPv6: address.isIPv6))
    }
}

/// Raises the soft open-file limit (up to the hard limit) so the connection limit is reachable.
private func raiseFileLimit(to wanted: UInt64) {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    if limit.rlim_cur < rlim_t(wanted) {
        limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// libmicrohttpd's access handler: called on its worker threads, once the request headers
/// are in. The request body, if any, is never read; the response is queued at once.
private let metricsAccessHandler: MHD_AccessHandlerCallback = {
    context, connection, url, method, _, _, _, _ in
    guard let context, let connection, let url, let method else { return .NO }
    let server = Unmanaged<MetricsHTTPServer>.fromOpaque(context).takeUnretainedValue()
    return server.handle(connection: connection, url: url, method: method)
}
