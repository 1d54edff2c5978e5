import Hummingbird
import JourneyCore
import JourneyStore
import Logging

/// Turns every error into problem details, so a client always gets `application/problem+json`
/// with a stable type; only failures of the server itself are 5xx.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = JourneyRequestContext

    let logger: Logger
    /// The body limit, for a 413 raised by the framework itself.
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as APIError {
            var response = try e.response(from: request, context: context)
            if e.closeConnection { response.body = context.closingBody(e.body) }
            return response
        } catch let e as StoreError {
            let api = APIError(e)
            if api.status.code >= 500 { logger.error("request failed: \(e.description)", metadata: ["route": "\(context.endpointPath ?? request.uri.path)"]) }
            return try api.response(from: request, context: context)
        } catch let e as ModelError {
            return try APIError(e).response(from: request, context: context)
        } catch let e as HTTPError {
            var api: APIError = switch e.status {
            case .notFound: .notFound("no route \(request.method.rawValue) \(request.uri.path)")
            case .contentTooLarge: .tooLarge(maxBodyBytes)
            case .methodNotAllowed: APIError(.methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not allowed on \(request.uri.path)")
            default: APIError(e.status, e.status.code >= 500 ? "internal_error" : "invalid_argument", e.body ?? e.status.reasonPhrase)
            }
            if e.status == .notFound {
                let allowed = KnownRoutes.methods(for: request.uri.path)
                if !allowed.isEmpty && !allowed.contains(request.method.rawValue) {
                    api = APIError(.methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not allowed on \(request.uri.path) (allowed: \(allowed.joined(separator: ", ")))")
                    api.allow = allowed.joined(separator: ", ")
                }
            }
            return try api.response(from: request, context: context)
        } catch is CancellationError {
            return try APIError(.serviceUnavailable, "timeout", "the request was cancelled").response(from: request, context: context)
        } catch {
            logger.error("request failed: \(error)", metadata: ["route": "\(context.endpointPath ?? request.uri.path)"])
            return try APIError(.internalServerError, "internal_error", "the server failed to answer; see its log").response(from: request, context: context)
        }
    }
}
