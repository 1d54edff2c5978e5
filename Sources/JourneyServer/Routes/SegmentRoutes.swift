import Foundation
import Hummingbird
import JourneyJSON
import JourneyPipelines
import JourneyStore

/// Segment's HTTP tracking API at the paths its libraries compose from a configured host
/// (`host = "http://server/segment"`): `POST /segment/v1/batch` and the single calls
/// `POST /segment/v1/{track|identify|page|screen|group|alias}`. Bodies may be gzip-encoded;
/// the write key comes as HTTP Basic's user name (a bearer token works too) and must be a token
/// with scope `write`. Answers `200 {"success": true}` as Segment does, so that clients' retry
/// logic behaves; a refused message is a problem document with `"success": false`, the
/// message's `index` and the `field` at fault. A batch is written atomically.
enum SegmentRoutes {
    static let success = Array(#"{"success":true}"#.utf8)

    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        let scoped = router.scoped(.write)
        // `import` is the older name of `batch`, which some clients still use.
        for path in ["/segment/v1/batch", "/segment/v1/import"] {
            scoped.post(RouterPath(path)) { request, _ -> Response in
                try await answer {
                    let body = try await read(request, state: state)
                    let received = Timestamp.now()
                    let events = try body.withUnsafeReadableBytes { raw throws(StoreError) in
                        try state.segment.events(batch: raw, receivedAt: received)
                    }.get()
                    _ = try await state.store.append(events)
                }
            }
        }
        for call in SegmentMapper.calls.sorted() {
            scoped.post(RouterPath("/segment/v1/\(call)")) { request, _ -> Response in
                try await answer {
                    let body = try await read(request, state: state)
                    let received = Timestamp.now()
                    let event = try body.withUnsafeReadableBytes { raw throws(StoreError) in
                        try state.segment.event(raw, call: call, receivedAt: received)
                    }.get()
                    _ = try await state.store.append([event])
                }
            }
        }
    }

    /// The body, whatever its Content-Type says: Segment's clients send JSON as
    /// `application/json`, a browser's beacon as `text/plain`, curl as a form; Segment's API
    /// reads them all as JSON, and so does this.
    static func read(_ request: Request, state: ServerState) async throws -> ByteBuffer {
        return try await state.decodedBody(of: request, limit: SegmentMapper.maxBatchBytes)
    }

    /// Runs the work and answers `{"success": true}`; a refusal carries `"success": false`.
    static func answer(_ work: () async throws -> Void) async throws -> Response {
        do {
            try await work()
        } catch let e as StoreError {
            var api = APIError(e)
            api.extensions["success"] = .bool(false)
            throw api
        } catch var api as APIError {
            api.extensions["success"] = .bool(false)
            throw api
        }
        return JSONResponse.raw(success)
    }
}
