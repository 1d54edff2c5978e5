import Foundation
import HTTPTypes
import Hummingbird
import JourneyStore
import ServiceLifecycle
import JourneyJSON
import JourneyPipelines

/// `/v1/events`: append (JSON object, array, NDJSON), read the log, live tail (SSE).
enum EventRoutes {
    /// CloudEvents' binary mode names its attributes in `ce-` headers.
    static let ceSpecVersion = HTTPField.Name("ce-specversion")!
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    static let ndjsonTypes = ["application/x-ndjson", "application/ndjson", "application/jsonl"]
    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        router.scoped(.write).post("/v1/events") { request, _ -> Response in
            let type = mediaType(request)
            let ndjson = Self.ndjsonTypes
            let encoding = contentEncoding(request)
            let binaryCloudEvent = request.headers[Self.ceSpecVersion] != nil
            if !binaryCloudEvent, type.map(ndjson.contains) == true, encoding == nil || encoding == "" || encoding == "identity" {
                // NDJSON is parsed as it arrives (bulk loads: no whole-body buffer).
                let parsed = try await state.streamedNDJSON(of: request, limit: state.configuration.maxBodyBytes)
                return try await append(parsed, request: request, state: state)
            }
            let body = try await state.decodedBody(of: request, limit: state.configuration.maxBodyBytes)
            let received = Timestamp.now()
            let events: [NewEvent]
            if binaryCloudEvent {
                // CloudEvents' binary mode: the attributes in ce- headers, the data in the body.
                let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
                let contentType = request.headers[.contentType]
                events = [try body.withUnsafeReadableBytes { raw throws(StoreError) in
                    try state.cloudEvents.event(headers: headers, contentType: contentType, body: raw, receivedAt: received)
                }.get()]
            } else if type == "application/cloudevents+json" {
                events = [try body.withUnsafeReadableBytes { raw throws(StoreError) in try state.cloudEvents.event(raw, receivedAt: received) }.get()]
            } else if type == "application/cloudevents-batch+json" {
                events = try body.withUnsafeReadableBytes { raw throws(StoreError) in try state.cloudEvents.events(batch: raw, receivedAt: received) }.get()
            } else {
                guard type == nil || type == "application/json" || ndjson.contains(type!) else {
                    throw APIError.unsupportedMediaType(type, expected: [
                        "application/json", "application/x-ndjson", "application/cloudevents+json", "application/cloudevents-batch+json",
                    ])
                }
                let parsed = try body.withUnsafeReadableBytes { raw throws(StoreError) in
                    type.map(ndjson.contains) == true ? try state.parser.parseNDJSON(raw) : try state.parser.parseBatch(raw)
                }.get()
                return try await append(parsed, request: request, state: state)
            }
            guard !events.isEmpty else { throw APIError.badRequest("the body holds no events", type: "invalid_event") }
            let result = try await state.store.append(events)
            return JSONResponse.raw(result.jsonBytes)
        }

        router.scoped(.read).get("/v1/events") { request, _ -> Response in
            let backward = try boolean(request, "backward") ?? false
            let from = try integer(request, "from", min: 1) ?? (backward ? nil : 1)
            let limit = Int(try integer(request, "limit", min: 1, max: 10_000) ?? 100)
            let events = try state.store.readLog(from: from, backward: backward, limit: limit)
            var cursor: UInt64?
            if events.count == limit, let last = events.last {
                cursor = backward ? (last.position > 1 ? last.position - 1 : nil) : last.position + 1
            }
            return wantsNDJSON(request) ? eventLines(events, next: cursor) : eventPage(events, next: cursor)
        }

        router.scoped(.read).get("/v1/events/stream") { request, _ -> Response in
            var from = try integer(request, "from", min: 1) ?? 1
            if let last = request.headers[Self.lastEventID] {
                guard let p = UInt64(last.trimmingCharacters(in: .whitespaces)) else {
                    throw APIError.badRequest("Last-Event-ID: expected a position, got \(last)")
                }
                from = p + 1
            }
            let start = from
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
                body: ResponseBody { writer in
                    try await stream(from: start, state: state, writer: &writer)
                })
        }
    }

    /// Appends events of the store's own shape (JSON or NDJSON) as one batch. `duplicates=id`: a
    /// repeated id is a duplicate whatever its content (events mapped from Segment's or
    /// CloudEvents' messages, whose retries carry other times).
    static func append(_ parsed: [NewEvent], request: Request, state: ServerState) async throws -> Response {
        var events = parsed
        switch request.uri.queryParameters.get("duplicates") {
        case nil, "content": break
        case "id": for i in events.indices { events[i].idempotency = .idOnly }
        case let other?: throw APIError.badRequest("duplicates: expected content or id, got \(other)")
        }
        guard !events.isEmpty else { throw APIError.badRequest("the body holds no events", type: "invalid_event") }
        let result = try await state.store.append(events)
        return JSONResponse.raw(result.jsonBytes)
    }

    /// Sends events from `from` on, then new ones as they are committed (woken by this process's
    /// commits, polling for other processes'), with a comment every 15 s; ends on shutdown or
    /// when the client goes away.
    static func stream(from: UInt64, state: ServerState, writer: inout any ResponseBodyWriter) async throws {
        var next = from
        var lastSent = ContinuousClock.now
        try await writer.write(ByteBuffer(string: ": journey store event stream\n\n"))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let events = try state.store.readLog(from: next, backward: false, limit: 500)
            if !events.isEmpty {
                var out: [UInt8] = []
                out.reserveCapacity(events.count * 360)
                for e in events {
                    out.append(contentsOf: "id: ".utf8)
                    JSONWriter.appendInteger(e.position, to: &out)
                    out.append(contentsOf: "\nevent: event\ndata: ".utf8)
                    e.withView { EventJSON.append($0, position: e.position, to: &out) }
                    out.append(contentsOf: "\n\n".utf8)
                }
                try await writer.write(ByteBuffer(bytes: out))
                next = events.last!.position + 1
                lastSent = ContinuousClock.now
                continue
            }
            if ContinuousClock.now - lastSent > .seconds(15) {
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                lastSent = ContinuousClock.now
            }
            let wait = Duration.milliseconds(state.configuration.pollIntervalMilliseconds)
            let seen = next - 1
            _ = await cancelWhenGracefulShutdown {
                await state.store.commits.waitForCommit(after: seen, timeout: wait)
            }
        }
        try await writer.finish(nil)
    }
}

extension ByteBuffer {
    /// Runs `body` with the readable bytes, as a `Result` (typed errors do not cross `withUnsafeReadableBytes`).
    func withUnsafeReadableBytes<T>(_ body: (UnsafeRawBufferPointer) throws(StoreError) -> T) -> Result<T, StoreError> {
        withUnsafeReadableBytes { raw in Result { () throws(StoreError) in try body(raw) } }
    }
}
