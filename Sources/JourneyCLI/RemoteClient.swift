import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JourneyStore

/// `journeyctl` against a running server (`--server URL` or `JOURNEY_SERVER`, with `--token` or
/// `JOURNEY_TOKEN`): the same commands, the same output.
struct RemoteClient: Sendable {
    let base: String
    let token: String?

    init(server: String, token: String?) throws {
        var b = server
        while b.hasSuffix("/") { b.removeLast() }
        guard b.hasPrefix("http://") || b.hasPrefix("https://"), URL(string: b) != nil else {
            throw CLIError("--server: expected a URL like http://127.0.0.1:8080, got \(server)", exitCode: 2)
        }
        base = b
        self.token = token
    }

    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
    }

    /// Sends a request; a problem answer becomes a `CLIError` with the same exit code the local
    /// command would give (2 for bad input, 1 otherwise).
    func send(_ method: String, _ path: String, query: [(String, String?)] = [], body: Data? = nil,
              contentType: String? = nil, accept: String? = nil, problemsAsReplies: Bool = false) async throws -> Reply {
        var components = URLComponents(string: base + path)!
        let items = query.compactMap { k, v in v.map { URLQueryItem(name: k, value: $0) } }
        if !items.isEmpty { components.queryItems = items }
        guard let url = components.url else { throw CLIError("cannot build a URL for \(path)", exitCode: 2) }
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
            throw CLIError("cannot reach the server at \(base): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw CLIError("no HTTP answer from \(base)") }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
        if http.statusCode >= 400 && !problemsAsReplies {
            let problem = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let type = problem?["type"] as? String ?? "http_\(http.statusCode)"
            let detail = problem?["detail"] as? String ?? String(decoding: data, as: UTF8.self)
            let badInput: Set<String> = ["invalid_event", "invalid_argument", "invalid_model", "payload_too_large", "unsupported_media_type"]
            throw CLIError(detail, exitCode: badInput.contains(type) ? 2 : 1)
        }
        return Reply(status: http.statusCode, headers: headers, body: data)
    }

    /// Sends a request and decodes a JSON answer.
    func json<T: Decodable>(_ type: T.Type, _ method: String, _ path: String, query: [(String, String?)] = [],
                            body: Data? = nil, contentType: String? = nil) async throws -> T {
        let reply = try await send(method, path, query: query, body: body, contentType: contentType)
        do {
            return try JSONDecoder().decode(T.self, from: reply.body)
        } catch {
            throw CLIError("unexpected answer from \(base)\(path): \(error)")
        }
    }

    /// A path segment, percent-encoded: every byte but RFC 3986's unreserved ASCII characters
    /// (`A-Z a-z 0-9 - . _ ~`), so `a b`, `café`, `p/q` and `x%41y` reach the server intact.
    static func segment(_ s: String) -> String {
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
