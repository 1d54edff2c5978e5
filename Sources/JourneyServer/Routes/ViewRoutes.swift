import Hummingbird
import JourneyCore

/// The funnel, customers by stage, advocates.
enum ViewRoutes {
    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        router.scoped(.read).get("/v1/funnel") { _, _ -> Response in
            JSONResponse.make(try state.engine.queries.funnel())
        }

        router.scoped(.read).get("/v1/stages/:stage/customers") { request, context -> Response in
            let stage = try pathParameter(context, "stage")
            let limit = Int(try integer(request, "limit", min: 1, max: 10_000) ?? 100)
            let after = request.uri.queryParameters.get("after")
            return JSONResponse.make(try state.engine.queries.customers(inStage: stage, after: after, limit: limit))
        }

        router.scoped(.read).get("/v1/advocates") { request, _ -> Response in
            let limit = Int(try integer(request, "limit", min: 1, max: 10_000) ?? 100)
            let level = request.uri.queryParameters.get("level")
            let after = request.uri.queryParameters.get("after")
            return JSONResponse.make(try state.engine.queries.advocates(level: level, after: after, limit: limit))
        }
    }
}
