import JourneyJSON

/// What an identity merge or unmerge asks of the writer (see ``EventLog/merge(_:into:by:reason:)``).
struct IdentityRequest: Sendable {
    var from: StreamID
    var into: StreamID
    /// Unmerge: remove the links between the two instead of adding one.
    var unmerge: Bool
    /// The record's properties: who, why, and the two ids.
    var properties: JSONObjectText
}
