import Foundation
import Hummingbird
import HummingbirdAuth
import JourneyCore
import JourneyStore

/// Erasure (`DELETE /v1/customers/{id}`) and the audit of erasures (`GET /v1/erasures`), both
/// for `admin` tokens only.
enum ErasureRoutes {
    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        router.scoped(.admin).delete("/v1/customers/:id") { request, context -> Response in
            let id = try pathParameter(context, "id")
            let reason = request.uri.queryParameters.get("reason")
            if let reason, reason.count > 1000 {
                throw APIError(.badRequest, "invalid_argument", "reason: at most 1000 characters, got \(reason.count)")
            }
            let actor = try context.requireIdentity().actor
            let record = try await BlockingWork.run { try state.engine.erase(id, by: actor, reason: reason) }
            state.logger.notice("customer erased", metadata: [
                "position": "\(record.position)", "erasedBy": "\(record.erasedBy)", "duplicate": "\(record.duplicate)",
            ])
            return JSONResponse.make(record)
        }

        router.scoped(.admin).get("/v1/erasures") { request, _ -> Response in
            let customer = request.uri.queryParameters.get("customerId")
            return JSONResponse.make(ErasureList(erasures: try state.store.erasures(customerId: customer)))
        }
    }
}

/// `GET /v1/erasures`.
struct ErasureList: Codable, Sendable {
    var erasures: [ErasureRecord]
}
