import Foundation
import NSTraceMetrics
import NSTraceCollectorCLI
import Testing

/// The libmicrohttpd server in-process, on a free loopback port.
@Suite(.serialized) struct ServerTests {
    static let prometheusBody = "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n"
    static let openMetricsBody = "# TYPE a counter\n# HELP a A.\na_total 1\n# EOF\n"

    static func makeServer(limits: ServerLimits = ServerLimits()) throws -> MetricsHTTPServer {
        try MetricsHTTPServer(listen: ListenAddress(host: "127.0.0.1", port: 0, isIPv6: false), limits: limits,
                              prometheus: Array(prometheusBody.utf8), openMetrics: Array(openMetricsBody.utf8))
    }

    @Test func routesMethodsAndNegotiation() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let port = server.boundAddress.port
        #expect(port != 0)

        let plain = try HTTPTestClient.request(port: port, path: "/metrics")
        #expect(plain.status == 200)
        #expect(plain.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(plain.body == Self.prometheusBody)

        let prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
            + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        let om = try HTTPTestClient.request(port: port, path: "/metrics", headers: ["Accept": prometheusAccept])
        #expect(om.status == 200)
        #expect(om.headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(om.body == Self.openMetricsBody)

        let withQuery = try HTTPTestClient.request(port: port, path: "/metrics?x=1")
        #expect(withQuery.status == 200)

        let health = try HTTPTestClient.request(port: port, path: "/healthz")
        #expect(health.status == 200 && health.body == "ok\n")

        let missing = try HTTPTestClient.request(port: port, path: "/metricsx")
        #expect(missing.status == 404)
        let root = try HTTPTestClient.request(port: port, path: "/")
        #expect(root.status == 404)

        for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
            let response = try HTTPTestClient.request(port: port, method: method, path: "/metrics",
                                                      headers: ["Content-Length": "0"])
            #expect(response.status == 405, "\(method)")
            #expect(response.headers["allow"] == "GET, HEAD", "\(method)")
        }

        let head = try HTTPTestClient.request(port: port, method: "HEAD", path: "/metrics")
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.headers["content-length"] == String(Self.prometheusBody.utf8.count))
    }

    @Test func updateSwapsTheCachedBytes() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        server.update(prometheus: Array("b 2\n".utf8), openMetrics: Array("b 2\n# EOF\n".utf8))
        let response = try HTTPTestClient.request(port: server.boundAddress.port, path: "/metrics")
        #expect(response.body == "b 2\n")
        let om = try HTTPTestClient.request(port: server.boundAddress.port, path: "/metrics",
                                            headers: ["Accept": "application/openmetrics-text"])
        #expect(om.body == "b 2\n# EOF\n")
    }

    @Test func concurrentScrapesDuringUpdatesSeeWholeBodies() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let port = server.boundAddress.port
        let bodies = (0..<20).map { index in String(repeating: "x\(index) 1\n", count: 2_000) }
        let failures = NSLock()
        nonisolated(unsafe) var bad: [String] = []
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<25 {
                if worker == 0 {
                    let body = bodies[round % bodies.count]
                    server.update(prometheus: Array(body.utf8), openMetrics: Array(body.utf8))
                    continue
                }
                do {
                    let response = try HTTPTestClient.request(port: port, path: "/metrics")
                    if response.status != 200
                        || !(response.body == Self.prometheusBody || bodies.contains(response.body))
                    {
                        failures.withLock { bad.append("status \(response.status), \(response.body.utf8.count) bytes") }
                    }
                } catch {
                    failures.withLock { bad.append("\(error)") }
                }
            }
        }
        #expect(bad.isEmpty, "\(bad.prefix(3))")
    }

    /// A request whose headers exceed the per-connection memory gets an error status (431),
    /// and the server keeps answering.
    @Test func hugeHeadersAreRefused() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let port = server.boundAddress.port
        let huge = String(repeating: "a", count: 256 * 1024)
        let fd = try HTTPTestClient.connect(port: port)
        defer { close(fd) }
        _ = HTTPTestClient.send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Huge: \(huge)\r\n\r\n")
        let (raw, _) = HTTPTestClient.readAll(fd)
        #expect(raw.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large"), "\(raw.prefix(80))")
        let after = try HTTPTestClient.request(port: port, path: "/metrics", timeout: 2)
        #expect(after.status == 200 && after.elapsed < 1)

        // Many header lines, each small: the same limit applies.
        let many = (0..<5_000).map { "X-H\($0): v\r\n" }.joined()
        let fd2 = try HTTPTestClient.connect(port: port)
        defer { close(fd2) }
        _ = HTTPTestClient.send(fd2, "GET /metrics HTTP/1.1\r\nHost: x\r\n\(many)\r\n")
        let (raw2, _) = HTTPTestClient.readAll(fd2)
        #expect(raw2.hasPrefix("HTTP/1.1 431"), "\(raw2.prefix(80))")
    }

    /// A client that never finishes its request is disconnected after the connection
    /// timeout, and others are served meanwhile.
    @Test func slowClientTimesOut() throws {
        var limits = ServerLimits()
        limits.connectionTimeoutSeconds = 2
        let server = try Self.makeServer(limits: limits)
        defer { server.stop() }
        let port = server.boundAddress.port
        let slow = try HTTPTestClient.connect(port: port, timeout: 8)
        defer { close(slow) }
        #expect(HTTPTestClient.send(slow, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "))
        let started = Date()
        let other = try HTTPTestClient.request(port: port, path: "/metrics", timeout: 2)
        #expect(other.status == 200 && other.elapsed < 1)
        let (raw, closed) = HTTPTestClient.readAll(slow)
        let waited = Date().timeIntervalSince(started)
        #expect(closed, "the server closed the slow connection")
        #expect(!raw.hasPrefix("HTTP/1.1 200"))
        #expect(waited >= 1.5 && waited < 6, "closed after \(waited) s")
    }

    /// 200 connections held open (each with a started request) do not stop a second client
    /// from being answered promptly; then 200 concurrent complete requests all succeed.
    @Test func twoHundredConnections() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let port = server.boundAddress.port
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        for index in 0..<200 {
            let fd = try HTTPTestClient.connect(port: port)
            held.append(fd)
            _ = HTTPTestClient.send(fd, index % 2 == 0 ? "GET /metrics HTTP/1.1\r\n" : "G")
        }
        for _ in 0..<5 {
            let response = try HTTPTestClient.request(port: port, path: "/metrics", timeout: 2)
            #expect(response.status == 200)
            #expect(response.elapsed < 0.5, "answered in \(response.elapsed) s with 200 connections open")
        }

        let lock = NSLock()
        nonisolated(unsafe) var statuses: [Int] = []
        nonisolated(unsafe) var slowest = 0.0
        DispatchQueue.concurrentPerform(iterations: 200) { _ in
            let response = try? HTTPTestClient.request(port: port, path: "/metrics", timeout: 5)
            lock.withLock {
                statuses.append(response?.status ?? -1)
                slowest = max(slowest, response?.elapsed ?? 99)
            }
        }
        #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 }, "\(Set(statuses))")
        #expect(slowest < 3, "slowest of 200 concurrent scrapes: \(slowest) s")
    }

    @Test func addressInUseIsAClearError() throws {
        let first = try Self.makeServer()
        defer { first.stop() }
        #expect {
            try MetricsHTTPServer(listen: first.boundAddress, prometheus: [], openMetrics: [])
        } throws: { error in
            "\(error)".contains("Address already in use")
        }
    }

    @Test func ipv6Loopback() throws {
        let server = try MetricsHTTPServer(listen: ListenAddress(host: "::1", port: 0, isIPv6: true),
                                           prometheus: Array("v6 1\n".utf8), openMetrics: [])
        defer { server.stop() }
        #expect(server.boundAddress.description.hasPrefix("[::1]:"))
        let result = try runCurl(["-sS", "-g", "http://[::1]:\(server.boundAddress.port)/metrics"])
        #expect(result == "v6 1\n")
    }

    private func runCurl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["--max-time", "5"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
