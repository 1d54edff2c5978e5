import Hummingbird

/// Gives each request a deadline (`requestTimeoutSeconds` from its start) that the work which
/// can block honours: ``BlockingWork/run(on:_:)`` answers `timeout` (503) when its storage work
/// is not done by then. Nothing runs per request beyond reading the clock: a timer is armed only
/// by the work that can block (the per-request race of a sleeping task this replaced cost about
/// 7 % of a cheap request). Slow clients are the channel's idle timeout's business. Streams
/// (`/v1/events/stream`) have no deadline. A timed-out append may still commit: retry it with
/// the same event ids, which is safe.
struct TimeoutMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasSuffix("/stream") { return try await next(request, context) }
        return try await RequestDeadline.$current.withValue(RequestDeadline(at: .now + limit, limit: limit)) { try await next(request, context) }
    }
}

/// When the request being answered must be done by, and the limit it came from (a task local,
/// set by ``TimeoutMiddleware``).
struct RequestDeadline: Sendable {
    let at: ContinuousClock.Instant
    let limit: Duration
    @TaskLocal static var current: RequestDeadline?
}
