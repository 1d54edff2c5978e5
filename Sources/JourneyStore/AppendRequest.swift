/// One caller's append: events (any customers) written all-or-nothing, with optional
/// expected versions per customer stream.
struct AppendRequest: Sendable {
    /// Events with their ids filled in (generated ids are fixed before the request is queued,
    /// so a transaction retried after the map grew writes the same ids).
    var events: [NewEvent]
    var ids: [String]
    var expectations: [String: ExpectedVersion]
    let complete: @Sendable (Result<AppendResult, StoreError>) -> Void
}
