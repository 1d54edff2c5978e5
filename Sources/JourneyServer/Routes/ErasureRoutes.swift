import Crypto
import Foundation
import Hummingbird
import JourneyCore
import JourneyStore

/// Erasure (`DELETE /v1/customers/{id}`) and the audit of erasures (`GET /v1/erasures`), both
/// for `admin` tokens only.
enum ErasureRoutes {
    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        router.delete("/v1/customers/:id") { request, context -> Response in
            let id = try pathParameter(context, "id")
            let reason = request.uri.queryParameters.get("reason")
            if let reason, reason.count > 1000 {
                throw APIError(.badRequest, "invalid_argument", "reason: at most 1000 characters, got \(reason.count)")
            }
            let actor = actor(of: request, tokens: state.configuration.tokens)
            let record = try state.engine.erase(id, by: actor, reason: reason)
            state.logger.notice("customer erased", metadata: [
                "position": "\(record.position)", "erasedBy": "\(record.erasedBy)", "duplicate": "\(record.duplicate)",
            ])
            return JSONResponse.make(record)
        }

        router.get("/v1/erasures") { request, _ -> Response in
            let customer = request.uri.queryParameters.get("customerId")
            return JSONResponse.make(ErasureList(erasures: try state.store.erasures(customerId: customer)))
        }
    }

    /// The name of the token that authorized the request (`anonymous` with no tokens configured).
    static func actor(of request: Request, tokens: [APIToken]) -> String {
        guard let header = request.headers[.authorization], header.count > 7 else { return "anonymous" }
        let presented = Array(SHA256.hash(data: Array(header.dropFirst(7).utf8)))
        let match = tokens.filter { Array(SHA256.hash(data: Array($0.secret.utf8))) == presented }.max { $0.scope < $1.scope }
        return match.map { "token:\($0.name)" } ?? "anonymous"
    }
}

/// `GET /v1/erasures`.
struct ErasureList: Codable, Sendable {
    var erasures: [ErasureRecord]
}
