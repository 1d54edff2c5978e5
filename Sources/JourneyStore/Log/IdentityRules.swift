/// What protects the identity graph from links that would stitch strangers together.
public struct IdentityRules: Sendable, Equatable {
    /// The most other ids one id may be linked to directly (default 100): a shared device or a
    /// placeholder id that links to everyone is refused beyond it.
    public var maxLinks: Int = 100
    /// Ids that never link (compared without regard to case; default: the empty id and the
    /// placeholders clients send when they have none: `null`, `undefined`, `anonymous`, `0`,
    /// `guest`). An event that would link one of them, or a merge naming one, is refused.
    public var blocked: Set<String> = ["", "null", "undefined", "anonymous", "0", "guest"]

    public init() {}

    /// Whether `id` is on the block-list.
    public func isBlocked(_ id: String) -> Bool { blocked.contains(id.lowercased()) }
}
