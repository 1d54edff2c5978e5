public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a real TCP socket to 127.0.0.1, for tests: one request per
/// connection, Content-Length and chunked bodies, and a streaming mode for Server-Sent Events.
public struct HTTPTestClient: Sendable {
    public let port: Int

    public init(port: Int) { self.port = port }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        public var object: [String: Any] { (json as? [String: Any]) ?? [:] }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Sends one request and reads the whole response (blocking I/O runs off the concurrency pool).
    public func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil, timeout: Double = 30) async throws -> Response {
        try await offPool { try blockingRequest(method, path, headers: headers, body: body, timeout: timeout) }
    }

    /// The blocking form of ``request(_:_:headers:body:timeout:)``.
    public func blockingRequest(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil, timeout: Double = 30) throws -> Response {
        let fd = try connect(timeout: timeout)
        defer { close(fd) }
        try send(fd, method, path, headers: headers, body: body)
        var reader = SocketReader(fd: fd)
        return try reader.readResponse()
    }

    /// Sends a JSON body.
    public func request(_ method: String, _ path: String, json: String, headers: [String: String] = [:]) async throws -> Response {
        var h = headers
        if h["Content-Type"] == nil { h["Content-Type"] = "application/json" }
        return try await request(method, path, headers: h, body: Data(json.utf8))
    }

    /// Opens a streaming GET and returns a reader of its (chunked) body.
    public func stream(_ path: String, headers: [String: String] = [:], timeout: Double = 10) async throws -> EventStream {
        try await offPool {
            let fd = try connect(timeout: timeout)
            try send(fd, "GET", path, headers: headers, body: nil)
            var reader = SocketReader(fd: fd)
            let (status, responseHeaders) = try reader.readHead()
            return EventStream(reader: reader, status: status, headers: responseHeaders)
        }
    }

    /// What a raw exchange got back: the bytes the server sent, and whether it closed the
    /// connection (rather than leaving it open past the read timeout).
    public struct RawReply: Sendable {
        public var bytes: Data
        public var closed: Bool
        public var text: String { String(decoding: bytes, as: UTF8.self) }
        /// The status code of the first response line.
        public var status: Int? { text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } }
    }

    /// Sends `request` as given (any framing, even a wrong one), optionally shuts the sending
    /// side down, then reads until the server closes or `readTimeout` passes. A send that the
    /// server refuses midway (it closed first) is not an error: what it answered is returned.
    public func raw(_ request: Data, shutdownWrite: Bool = false, readTimeout: Double = 5) async throws -> RawReply {
        try await offPool {
            let fd = try connect(timeout: readTimeout)
            defer { close(fd) }
            request.withUnsafeBytes { raw in
                var sent = 0
                while sent < raw.count {
                    let n = Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                    if n <= 0 { return }
                    sent += n
                }
            }
            if shutdownWrite { shutdown(fd, Int32(SHUT_WR)) }
            var out = Data()
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = recv(fd, &chunk, chunk.count, 0)
                if n > 0 { out.append(contentsOf: chunk[0..<n]); continue }
                if n == 0 { return RawReply(bytes: out, closed: true) }
                if errno == EAGAIN || errno == EWOULDBLOCK { return RawReply(bytes: out, closed: false) }
                return RawReply(bytes: out, closed: true)  // reset: closed
            }
        }
    }

    private func connect(timeout: Double) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port) failed: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    private func send(_ fd: Int32, _ method: String, _ path: String, headers: [String: String], body: Data?) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Data(head.utf8)
        if let body { bytes.append(body) }
        try bytes.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { throw Failure(description: "send failed: \(String(cString: strerror(errno)))") }
                sent += n
            }
        }
    }
}

/// Buffered reads from a socket.
public struct SocketReader: Sendable {
    let fd: Int32
    var buffer = Data()
    var closed = false

    init(fd: Int32) { self.fd = fd }

    mutating func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPTestClient.Failure(description: "timed out reading from the server") }
            throw HTTPTestClient.Failure(description: "recv failed: \(String(cString: strerror(errno)))")
        }
        if n == 0 { closed = true; return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    mutating func line() throws -> String? {
        while true {
            if let r = buffer.range(of: Data("\r\n".utf8)) {
                let l = String(decoding: buffer[buffer.startIndex..<r.lowerBound], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex..<r.upperBound)
                return l
            }
            if try !fill() { return nil }
        }
    }

    mutating func bytes(_ n: Int) throws -> Data {
        while buffer.count < n { if try !fill() { throw HTTPTestClient.Failure(description: "connection closed mid-body") } }
        let out = buffer.prefix(n)
        buffer.removeFirst(n)
        return Data(out)
    }

    mutating func readHead() throws -> (Int, [String: String]) {
        guard let status = try line() else { throw HTTPTestClient.Failure(description: "no response") }
        let parts = status.split(separator: " ")
        guard parts.count >= 2, let code = Int(parts[1]) else { throw HTTPTestClient.Failure(description: "bad status line \(status)") }
        var headers: [String: String] = [:]
        while let l = try line(), !l.isEmpty {
            if let colon = l.firstIndex(of: ":") {
                headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return (code, headers)
    }

    /// The next chunk of a chunked body (nil at its end).
    mutating func chunk() throws -> Data? {
        guard let sizeLine = try line(), let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { return nil }
        if size == 0 { _ = try line(); return nil }
        let data = try bytes(size)
        _ = try line()
        return data
    }

    mutating func readResponse() throws -> HTTPTestClient.Response {
        let (status, headers) = try readHead()
        var body = Data()
        if let length = headers["content-length"].flatMap(Int.init) {
            body = try bytes(length)
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while let c = try chunk() { body.append(c) }
        } else {
            while try fill() {}
            body = buffer
        }
        return .init(status: status, headers: headers, body: body)
    }
}

/// A Server-Sent Events body being read.
public struct EventStream: Sendable {
    var reader: SocketReader
    public let status: Int
    public let headers: [String: String]
    private var pending = ""

    init(reader: SocketReader, status: Int, headers: [String: String]) {
        self.reader = reader
        self.status = status
        self.headers = headers
    }

    public struct Message: Sendable {
        public var id: String?
        public var event: String?
        public var data: String
    }

    /// The next message (comments skipped), or nil when the stream ends.
    public mutating func next() async throws -> Message? {
        let start = self
        let (message, updated) = try await offPool { () throws -> (Message?, EventStream) in
            var copy = start
            let m = try copy.blockingNext()
            return (m, copy)
        }
        self = updated
        return message
    }

    mutating func blockingNext() throws -> Message? {
        while true {
            if let end = pending.range(of: "\n\n") {
                let block = String(pending[..<end.lowerBound])
                pending.removeSubrange(..<end.upperBound)
                var m = Message(data: "")
                var isMessage = false
                for l in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if l.hasPrefix("id: ") { m.id = String(l.dropFirst(4)); isMessage = true }
                    if l.hasPrefix("event: ") { m.event = String(l.dropFirst(7)); isMessage = true }
                    if l.hasPrefix("data: ") { m.data += String(l.dropFirst(6)); isMessage = true }
                }
                if isMessage { return m }
                continue
            }
            guard let c = try reader.chunk() else { return nil }
            pending += String(decoding: c, as: UTF8.self)
        }
    }

    public func close() { Glibc.close(reader.fd) }
}

/// Runs blocking work on a thread of its own (``BlockingThread``), so waiting for a socket never
/// ties up the Swift concurrency pool (which the server under test needs) nor waits for one.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await BlockingThread.run(body)
}
