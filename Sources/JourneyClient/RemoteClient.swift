import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JourneyJSON
public import JourneyStore

/// The client of a running `journeyctl serve` (`--server URL`, with a bearer token): the same
/// operations over the HTTP API. A problem answer becomes a ``StoreError`` whose code is the
/// problem's `type` and whose message is its `detail` (with `field`, `line`, `index`).
public struct RemoteClient: Sendable {
    public let base: String
    let token: String?

    /// `server`: `http://host:port` (a trailing slash is dropped).
    public init(server: String, token: String?) throws(StoreError) {
        var b = server
        while b.hasSuffix("/") { b.removeLast() }
        guard b.hasPrefix("http://") || b.hasPrefix("https://"), URL(string: b) != nil else {
            throw StoreError(.invalidArgument, "--server: expected a URL like http://127.0.0.1:8080, got \(server)")
        }
        base = b
        self.token = token
    }

    /// An HTTP answer.
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
    }

    /// The code of a server that could not be reached or answered something that is not the API.
    static let unreachable = StoreError.Code(rawValue: "server_unreachable")

    /// Sends a request; a problem answer (4xx, 5xx) is thrown as a ``StoreError``.
    func send(_ method: String, _ path: String, query: [(String, String?)] = [], body: Data? = nil,
              contentType: String? = nil, accept: String? = nil) async throws(StoreError) -> Reply {
        var components = URLComponents(string: base + path)!
        let items = query.compactMap { k, v in v.map { URLQueryItem(name: k, value: $0) } }
        if !items.isEmpty { components.queryItems = items }
        guard let url = components.url else { throw StoreError(.invalidArgument, "cannot build a URL for \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 600
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        request.httpBody = body
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw StoreError(Self.unreachable, "cannot reach the server at \(base): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw StoreError(Self.unreachable, "no HTTP answer from \(base)") }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
        guard http.statusCode < 400 else { throw Self.problem(status: http.statusCode, body: data) }
        return Reply(status: http.statusCode, headers: headers, body: data)
    }

    /// A problem document as the store error it stands for.
    static func problem(status: Int, body: Data) -> StoreError {
        let problem = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let type = problem?["type"] as? String ?? "http_\(status)"
        let detail = problem?["detail"] as? String ?? String(decoding: body, as: UTF8.self)
        var e = StoreError(StoreError.Code(rawValue: type), detail, field: problem?["field"] as? String)
        e.line = problem?["line"] as? Int
        e.index = problem?["index"] as? Int
        e.customerId = problem?["customerId"] as? String
        if let v = problem?["actualVersion"] as? Int { e.actualVersion = UInt64(v) }
        if let line = e.line { e.message = e.message.replacingOccurrences(of: "line \(line): ", with: "") }
        return e
    }

    /// Sends a request and decodes a JSON answer.
    func json<T: Decodable>(_ type: T.Type, _ method: String, _ path: String, query: [(String, String?)] = [],
                            body: Data? = nil, contentType: String? = nil) async throws(StoreError) -> T {
        let reply = try await send(method, path, query: query, body: body, contentType: contentType)
        do {
            return try JSONOutput.decode(T.self, from: reply.body)
        } catch {
            throw StoreError(Self.unreachable, "unexpected answer from \(base)\(path): \(error)")
        }
    }

    /// A path segment, percent-encoded: every byte but RFC 3986's unreserved ASCII characters
    /// (`A-Z a-z 0-9 - . _ ~`), so `a b`, `café`, `p/q` and `x%41y` reach the server intact.
    public static func segment(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += String(format: "%%%02X", b)
            }
        }
        return out
    }
}
