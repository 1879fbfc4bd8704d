import Foundation

/// A deliberately low-level HTTP/1.1 test client over a loopback socket, so tests can send
/// malformed, huge or never-finished requests. Every call has a deadline.
struct HTTPTestClient {
    struct Response {
        let status: Int
        let headers: [String: String]  // lowercased names
        let body: String
        let elapsed: Double
    }

    enum Failure: Error, CustomStringConvertible {
        case connect(Int32), timeout(String), closed(String)
        var description: String {
            switch self {
            case .connect(let code): return "connect: \(String(cString: strerror(code)))"
            case .timeout(let what): return "timeout: \(what)"
            case .closed(let partial): return "closed early after \(partial.utf8.count) bytes"
            }
        }
    }

    /// A connected socket with a receive/send timeout.
    static func connect(port: UInt16, timeout: Double = 5) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(errno) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            let code = errno
            close(fd)
            throw Failure.connect(code)
        }
        return fd
    }

    static func send(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress! + offset, bytes.count - offset,
                                                               Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Reads until the peer closes (or the socket timeout): everything received.
    static func readAll(_ fd: Int32) -> (text: String, closed: Bool) {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return (String(decoding: data, as: UTF8.self), true) }
            if count < 0 { return (String(decoding: data, as: UTF8.self), false) }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// One request with `Connection: close`; the whole response.
    static func request(port: UInt16, method: String = "GET", path: String, headers: [String: String] = [:],
                        timeout: Double = 5) throws -> Response {
        let started = Date()
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        _ = send(fd, text)
        let (raw, closed) = readAll(fd)
        guard closed else { throw Failure.timeout("\(method) \(path): \(raw.utf8.count) bytes before the deadline") }
        return try parse(raw, elapsed: Date().timeIntervalSince(started))
    }

    static func parse(_ raw: String, elapsed: Double) throws -> Response {
        guard let headerEnd = raw.range(of: "\r\n\r\n") else { throw Failure.closed(raw) }
        let head = raw[..<headerEnd.lowerBound].components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure.closed(raw) }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: String(raw[headerEnd.upperBound...]),
                        elapsed: elapsed)
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
func eventually(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}
