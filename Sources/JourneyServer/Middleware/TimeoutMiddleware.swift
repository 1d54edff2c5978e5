import Hummingbird

/// Answers `timeout` (503) when a request takes longer than the configured limit. Streams
/// (`/v1/events/stream`) are exempt. A timed-out append may still commit: retry it with the same
/// event ids, which is safe.
struct TimeoutMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasSuffix("/stream") { return try await next(request, context) }
        let limit = self.limit
        // The task group waits for both children before returning, so `next` never outlives
        // this call (hence withoutActuallyEscaping).
        return try await withoutActuallyEscaping(next) { next in
            nonisolated(unsafe) let handler = next
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await handler(request, context) }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw APIError(.serviceUnavailable, "timeout", "the request took longer than \(limit)")
                }
                return response
            }
        }
    }
}
