import Foundation
import Hummingbird
import JourneyCore
import JourneyStore

/// `/v1/customers/{id}…`: append with an expected version, the stream, state and journey.
enum CustomerRoutes {
    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        router.scoped(.write).post("/v1/customers/:id/events") { request, context -> Response in
            let id = try pathParameter(context, "id")
            try requireJSON(request)
            let body = try await state.body(of: request)
            let (expected, events) = try body.withUnsafeReadableBytes { raw throws(StoreError) in
                try state.parser.parseCustomerAppend(raw, customerId: id)
            }.get()
            let result = try await state.store.append(events, expectations: expected == .any ? [:] : [id: expected])
            return JSONResponse.raw(result.jsonBytes)
        }

        router.scoped(.read).get("/v1/customers/:id/events") { request, context -> Response in
            let id = try pathParameter(context, "id")
            let from = try integer(request, "from", min: 1)
            let limit = Int(try integer(request, "limit", min: 1, max: 10_000) ?? 100)
            let backward = try boolean(request, "backward") ?? false
            // A customer's stream, else an anonymous visitor's by that id (customer ids win).
            guard let stream = try state.store.resolve(id), try state.store.streamVersion(stream) > 0 else {
                throw APIError.notFound("customer \(id) is not known to this store")
            }
            let events = try state.store.readStream(stream, from: from, backward: backward, limit: limit)
            var next: UInt64?
            if events.count == limit, let last = events.last {
                next = backward ? (last.version > 1 ? last.version - 1 : nil) : last.version + 1
            }
            return wantsNDJSON(request) ? eventLines(events, next: next) : eventPage(events, next: next)
        }

        router.scoped(.read).get("/v1/customers/:id") { request, context -> Response in
            let id = try pathParameter(context, "id")
            let (asOf, knownAt) = (try time(request, "asOf"), try time(request, "knownAt"))
            try await waitForViews(request, state: state)
            return JSONResponse.raw(try state.engine.queries.customer(id, asOf: asOf, knownAt: knownAt).jsonBytes)
        }

        router.scoped(.read).get("/v1/customers/:id/journey") { request, context -> Response in
            let id = try pathParameter(context, "id")
            let (asOf, knownAt) = (try time(request, "asOf"), try time(request, "knownAt"))
            try await waitForViews(request, state: state)
            return JSONResponse.make(try state.engine.queries.journey(id, asOf: asOf, knownAt: knownAt))
        }
    }

    /// With `minPosition`, waits (at most `timeout` seconds, default 5, at most 30) until every
    /// projection has applied that position: a client reads its own writes.
    static func waitForViews(_ request: Request, state: ServerState) async throws {
        var timeout = 5.0
        if let t = request.uri.queryParameters.get("timeout") {
            guard let v = Double(t), v >= 0, v <= 30 else { throw APIError.badRequest("timeout: expected seconds 0…30, got \(t)") }
            timeout = v
        }
        guard let position = try integer(request, "minPosition", min: 1) else { return }
        var head = try state.store.headPosition()
        if position > head {
            // On a node, the position may be another node's append not taken in yet.
            try await state.store.catchUpFully()
            head = try state.store.headPosition()
        }
        guard position <= head else {
            throw APIError.badRequest("minPosition: the log's head is \(head), got \(position)")
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while try state.engine.live.appliedPosition() < position {
            guard ContinuousClock.now < deadline else {
                throw APIError(.serviceUnavailable, "timeout", "the views did not reach position \(position) within \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
