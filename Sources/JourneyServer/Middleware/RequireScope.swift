import Hummingbird

/// The scope a group of routes needs (`read` < `write` < `admin`): no caller is 401, a caller
/// whose token's scope is lower is 403.
struct RequireScope: RouterMiddleware {
    typealias Context = JourneyRequestContext
    let scope: APIToken.Scope

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let caller = context.identity else {
            if request.uri.path.hasPrefix("/segment/") {
                throw APIError(.unauthorized, "unauthorized", "Segment's routes need the write key: HTTP Basic with a token with scope write as the user name and an empty password (or Authorization: Bearer <token>)")
            }
            throw APIError.unauthorized
        }
        guard caller.scope >= scope else { throw APIError.forbidden(scope) }
        return try await next(request, context)
    }
}

extension Router<JourneyRequestContext> {
    /// Routes registered on the group need `scope`.
    func scoped(_ scope: APIToken.Scope) -> RouterGroup<JourneyRequestContext> {
        group().add(middleware: RequireScope(scope: scope))
    }
}
