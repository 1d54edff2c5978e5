import Foundation
import Hummingbird
import JourneyCore
import JourneyJSON
import JourneyStore

/// Identities: explicit merges and unmerges (`POST /v1/identities/merge|unmerge`, admin), and
/// the ids linked to a customer with the record that linked each
/// (`GET /v1/customers/{id}/identities`).
enum IdentityRoutes {
    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        for unmerge in [false, true] {
            router.scoped(.admin).post(unmerge ? "/v1/identities/unmerge" : "/v1/identities/merge") { request, context -> Response in
                try requireJSON(request)
                let body = try await state.body(of: request)
                let ask = try IdentityRequestBody(Array(buffer: body))
                let actor = try context.requireIdentity().actor
                let record = try await BlockingWork.run { () throws(StoreError) -> IdentityChangeRecord in
                    let from = try state.engine.stream(ask.from, kind: ask.fromKind, field: "from")
                    let into = try state.engine.stream(ask.into, kind: ask.intoKind, field: "into")
                    return unmerge
                        ? try state.engine.unmerge(from, into: into, by: actor, reason: ask.reason)
                        : try state.engine.merge(from, into: into, by: actor, reason: ask.reason)
                }
                state.logger.notice("identities \(record.action)d", metadata: [
                    "position": "\(record.position.map(String.init) ?? "-")", "by": "\(actor)", "changed": "\(record.changed)",
                ])
                return JSONResponse.make(record)
            }
        }

        router.scoped(.read).get("/v1/customers/:id/identities") { _, context -> Response in
            let id = try pathParameter(context, "id")
            return JSONResponse.make(try state.engine.identities(of: id))
        }
    }
}

/// The body of a merge or unmerge: `{"from", "into", "reason"?, "fromKind"?, "intoKind"?}`.
struct IdentityRequestBody {
    var from: String
    var into: String
    var reason: String?
    var fromKind: String?
    var intoKind: String?

    init(_ bytes: [UInt8]) throws {
        let value: JSONValue
        switch JSONValue.parseOrExplain(bytes) {
        case .success(let v): value = v
        case .failure(let e): throw APIError.badRequest("the body is not JSON: \(e)")
        }
        guard case .object(let o) = value else { throw APIError.badRequest("expected a JSON object {\"from\", \"into\", \"reason\"}") }
        let known: Set<String> = ["from", "into", "reason", "fromKind", "intoKind"]
        if let extra = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw Self.invalid(extra, "unknown field (expected from, into, reason, fromKind, intoKind)")
        }
        func string(_ name: String, required: Bool) throws -> String? {
            switch o[name] {
            case .string(let s)?:
                guard !s.isEmpty else { throw Self.invalid(name, "expected a non-empty string, got \"\"") }
                return s
            case nil where !required, .null? where !required: return nil
            case nil, .null?: throw Self.invalid(name, "required: the id (a customer's, or an anonymous visitor's)")
            case let v?: throw Self.invalid(name, "expected a string, got \(v.jsonText)")
            }
        }
        from = try string("from", required: true)!
        into = try string("into", required: true)!
        reason = try string("reason", required: false)
        fromKind = try string("fromKind", required: false)
        intoKind = try string("intoKind", required: false)
    }

    static func invalid(_ field: String, _ message: String) -> APIError {
        var e = APIError.badRequest("\(field): \(message)")
        e.extensions["field"] = .string(field)
        return e
    }
}
