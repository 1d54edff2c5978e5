import Foundation
import Hummingbird
import JourneyCore
import JourneyStore

/// The journey map (`GET /v1/map`), the paths before stalling or moving on
/// (`GET /v1/map/paths`) and customers at risk (`GET /v1/customers/at-risk`).
enum MapRoutes {
    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        router.scoped(.read).get("/v1/map") { request, _ -> Response in
            let q = try mapQuery(request)
            try await CustomerRoutes.waitForViews(request, state: state)
            return JSONResponse.make(try await BlockingWork.run { () throws(StoreError) in try state.engine.queries.map(q) })
        }

        router.scoped(.read).get("/v1/map/paths") { request, _ -> Response in
            guard let stage = request.uri.queryParameters.get("stage"), !stage.isEmpty else {
                throw fieldError("stage", "required: the stage whose paths to show")
            }
            let segment = request.uri.queryParameters.get("segment")
            let at = try time(request, "at")
            let limit = Int(try integer(request, "limit", min: 1, max: 100) ?? 10)
            return JSONResponse.make(try await BlockingWork.run { () throws(StoreError) in
                try state.engine.queries.mapPaths(stage: stage, segment: segment, at: at, limit: limit)
            })
        }

        router.scoped(.read).get("/v1/customers/at-risk") { request, _ -> Response in
            let p = request.uri.queryParameters
            let stage = p.get("stage"), reason = p.get("reason")
            let at = try time(request, "at")
            let after = p.get("after") ?? p.get("cursor")
            let limit = Int(try integer(request, "limit", min: 1, max: 10_000) ?? 100)
            return JSONResponse.make(try await BlockingWork.run { () throws(StoreError) in
                try state.engine.queries.atRisk(stage: stage, reason: reason, at: at, after: after, limit: limit)
            })
        }
    }

    static func fieldError(_ field: String, _ message: String) -> APIError {
        var e = APIError.badRequest("\(field): \(message)")
        e.extensions["field"] = .string(field)
        return e
    }

    static func mapQuery(_ request: Request) throws -> MapQuery {
        var q = MapQuery()
        let p = request.uri.queryParameters
        q.segment = p.get("segment")
        q.from = try time(request, "from")
        q.to = try time(request, "to")
        q.at = try time(request, "at")
        if let from = q.from, let to = q.to, !(from < to) { throw fieldError("to", "expected a time after from (\(from.rfc3339)), got \(to.rfc3339)") }
        if let v = try integer(request, "minSupport", min: 1, max: 1_000_000_000) { q.minSupport = Int64(v) }
        if let v = try integer(request, "touchpoints", min: 0, max: 10_000) { q.touchpoints = Int(v) }
        if let v = try integer(request, "moments", min: 0, max: 100) { q.moments = Int(v) }
        for (name, keyPath) in [("painSentiment", \MapQuery.painSentiment), ("painLift", \MapQuery.painLift)] {
            guard let text = p.get(name) else { continue }
            guard let v = Double(text), v.isFinite else { throw fieldError(name, "expected a number, got \(text)") }
            q[keyPath: keyPath] = v
        }
        return q
    }
}
