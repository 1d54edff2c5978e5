import Crypto
import Hummingbird

/// Bearer-token authorization for `/v1` routes. With no tokens configured every route is open;
/// otherwise a request needs a token whose scope covers the route's (`read` < `write` < `admin`).
/// Tokens are compared in constant time (as SHA-256 digests) and never logged.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    private let digests: [(digest: [UInt8], scope: APIToken.Scope)]

    init(tokens: [APIToken]) {
        digests = tokens.map { (Array(SHA256.hash(data: Array($0.secret.utf8))), $0.scope) }
    }

    /// The scope a request needs (nil: none).
    static func requiredScope(method: HTTPRequest.Method, path: String) -> APIToken.Scope? {
        guard path.hasPrefix("/v1/") || path == "/v1" else { return nil }
        if path == "/v1/erasures" { return .admin }
        switch method {
        case .get, .head: return .read
        case .put: return .admin
        case .delete: return .admin
        default:
            if path.hasSuffix("/rebuild") { return .admin }
            if path == "/v1/simulations" || path == "/v1/verify" { return .read }
            return .write
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !digests.isEmpty, let needed = Self.requiredScope(method: request.method, path: request.uri.path) else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.count > 7,
              header.prefix(7).lowercased() == "bearer " else { throw APIError.unauthorized }
        let presented = Array(SHA256.hash(data: Array(header.dropFirst(7).utf8)))
        var granted: APIToken.Scope?
        for (digest, scope) in digests {
            var difference: UInt8 = 0
            for i in 0..<digest.count { difference |= digest[i] ^ presented[i] }
            if difference == 0 { granted = max(granted ?? scope, scope) }
        }
        guard let granted else { throw APIError.unauthorized }
        guard granted >= needed else { throw APIError.forbidden(needed) }
        return try await next(request, context)
    }
}
