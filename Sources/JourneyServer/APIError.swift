import Foundation
public import Hummingbird
public import JourneyCore
public import JourneyStore
import JourneyJSON

/// An error answered as RFC 9457 problem details (`application/problem+json`) with a stable
/// `type`. Store and model errors are mapped to HTTP statuses here, and only here.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// Stable kind, e.g. `invalid_event`.
    public var type: String
    public var detail: String
    public var extensions: [String: ExtensionValue] = [:]
    /// For 405: the methods the route takes.
    public var allow: String?
    /// Answer with `Connection: close` and drop the connection: the rest of the request's body
    /// is not read (too large, or broken), so the connection cannot carry another request.
    public var closeConnection = false

    public enum ExtensionValue: Sendable, Encodable, Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .string(let s): try c.encode(s)
            case .int(let i): try c.encode(i)
            case .bool(let b): try c.encode(b)
            }
        }
    }

    public init(_ status: HTTPResponse.Status, _ type: String, _ detail: String) {
        self.status = status
        self.type = type
        self.detail = detail
    }

    public static func badRequest(_ detail: String, type: String = "invalid_argument") -> APIError { APIError(.badRequest, type, detail) }
    public static func notFound(_ detail: String) -> APIError { APIError(.notFound, "not_found", detail) }
    public static let unauthorized = APIError(.unauthorized, "unauthorized", "this route needs a bearer token (Authorization: Bearer <token>)")
    public static func forbidden(_ needed: APIToken.Scope) -> APIError {
        APIError(.forbidden, "forbidden", "this route needs a token with scope \(needed.rawValue)")
    }
    public static func tooLarge(_ limit: Int) -> APIError {
        var e = APIError(.contentTooLarge, "payload_too_large", "the request body is over the limit of \(limit) bytes")
        e.closeConnection = true
        return e
    }
    public static func unsupportedMediaType(_ got: String?, expected: [String]) -> APIError {
        APIError(.unsupportedMediaType, "unsupported_media_type",
                 "expected Content-Type \(expected.joined(separator: " or ")), got \(got ?? "none")")
    }

    /// Maps a store error to its status.
    public init(_ e: StoreError) {
        let status: HTTPResponse.Status = switch e.code {
        case .invalidEvent, .invalidArgument: .badRequest
        case .wrongExpectedVersion, .eventIdConflict: .conflict
        case .notFound: .notFound
        case .customerErased: .gone
        case .notEncrypted, .identityLimit, .notLinked: .conflict
        case .closed, .notBuilt, .unavailable: .serviceUnavailable
        default: .internalServerError
        }
        self.init(status, e.code.rawValue, e.description)
        if let f = e.field { extensions["field"] = .string(f) }
        if let l = e.line { extensions["line"] = .int(l) }
        if let i = e.index { extensions["index"] = .int(i) }
        if let c = e.customerId { extensions["customerId"] = .string(c) }
        if let x = e.expectedVersion { extensions["expectedVersion"] = .string(x.description) }
        if let a = e.actualVersion { extensions["actualVersion"] = .int(Int(a)) }
    }

    /// A model that does not validate.
    public init(_ e: ModelError) {
        self.init(.badRequest, ModelError.code, e.description)
        extensions["path"] = .string(e.path)
    }

    static let titles: [String: String] = [
        "invalid_event": "Invalid event", "invalid_argument": "Invalid request", "invalid_model": "Invalid journey model",
        "wrong_expected_version": "Wrong expected version", "event_id_conflict": "Event id conflict",
        "payload_too_large": "Payload too large", "unsupported_media_type": "Unsupported media type",
        "unauthorized": "Unauthorized", "forbidden": "Forbidden", "not_found": "Not found", "timeout": "Timeout",
        "conflict": "Conflict", "storage_error": "Storage error", "corrupt_store": "Corrupt store",
        "store_closed": "Shutting down", "log_unavailable": "Log unavailable", "method_not_allowed": "Method not allowed", "internal_error": "Internal error",
        "customer_erased": "Customer erased", "not_encrypted": "Store not encrypted",
        "identity_limit": "Too many linked ids", "not_linked": "Not linked",
    ]

    /// The problem document.
    public var body: [UInt8] {
        var fields: [String: ExtensionValue] = extensions
        fields["type"] = .string(type)
        fields["title"] = .string(Self.titles[type] ?? type)
        fields["status"] = .int(Int(status.code))
        fields["detail"] = .string(detail)
        return Array(JSONOutput.data(fields))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if type == "timeout" || type == "log_unavailable" { headers[.retryAfter] = "1" }
        if let allow { headers[.allow] = allow }
        if closeConnection { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
