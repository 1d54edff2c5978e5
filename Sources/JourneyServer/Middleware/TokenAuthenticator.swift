import Crypto
import Hummingbird
import HummingbirdAuth

/// Authenticates bearer tokens (hummingbird-auth): a known token puts its ``Caller`` in the
/// request context; a presented token that is unknown is refused (401) at once. With no tokens
/// configured every request is the anonymous caller. Tokens are compared in constant time, as
/// SHA-256 digests, and never logged. Which scope a route needs is declared where it is
/// registered (``RequireScope``).
struct TokenAuthenticator: AuthenticatorMiddleware {
    typealias Context = JourneyRequestContext
    private let digests: [(digest: [UInt8], caller: Caller)]

    init(tokens: [APIToken]) {
        digests = tokens.map { (Array(SHA256.hash(data: Array($0.secret.utf8))), Caller(name: $0.name, scope: $0.scope)) }
    }

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        guard !digests.isEmpty else { return .anonymous }
        guard let bearer = request.headers.bearer else { return nil }
        let presented = Array(SHA256.hash(data: Array(bearer.token.utf8)))
        var match: Caller?
        for (digest, caller) in digests {
            var difference: UInt8 = 0
            for i in 0..<digest.count { difference |= digest[i] ^ presented[i] }
            if difference == 0 && (match == nil || caller.scope > match!.scope) { match = caller }
        }
        guard let match else { throw APIError.unauthorized }
        return match
    }
}
