import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth

/// Authenticates bearer tokens (hummingbird-auth), and on Segment's routes (`/segment/…`) a token
/// sent as the user name of HTTP Basic (Segment's write key): a known token puts its ``Caller`` in the
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
        let secret: String
        if let bearer = request.headers.bearer {
            secret = bearer.token
        } else if request.uri.path.hasPrefix("/segment/"), let key = Self.writeKey(request.headers[.authorization]) {
            secret = key
        } else {
            return nil
        }
        let presented = Array(SHA256.hash(data: Array(secret.utf8)))
        var match: Caller?
        for (digest, caller) in digests {
            var difference: UInt8 = 0
            for i in 0..<digest.count { difference |= digest[i] ^ presented[i] }
            if difference == 0 && (match == nil || caller.scope > match!.scope) { match = caller }
        }
        guard let match else {
            if request.uri.path.hasPrefix("/segment/") {
                throw APIError(.unauthorized, "unauthorized", "the write key (HTTP Basic's user name, or the bearer token) is not one of this server's tokens")
            }
            throw APIError.unauthorized
        }
        return match
    }

    /// The user name of an HTTP Basic `Authorization` (Segment's write key; the password is
    /// empty). Written out because hummingbird-auth's `headers.basic` answers `nil` for an
    /// empty password, which is exactly what Segment's clients send.
    static func writeKey(_ authorization: String?) -> String? {
        guard let authorization, authorization.count > 6, authorization.prefix(6).lowercased() == "basic " else { return nil }
        let encoded = authorization.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        let user = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return user.isEmpty ? nil : user
    }
}
