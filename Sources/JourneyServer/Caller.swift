/// Who is asking: the name and scope of the token that authenticated the request (or, on a
/// server without tokens, `anonymous` with every scope). Kept in the request context.
public struct Caller: Sendable, Equatable {
    public var name: String
    public var scope: APIToken.Scope

    /// The caller of a server with no token configured.
    public static let anonymous = Caller(name: "anonymous", scope: .admin)

    /// How erasure records name the caller: `token:<name>`, or `anonymous`.
    public var actor: String { self == .anonymous ? "anonymous" : "token:\(name)" }
}
