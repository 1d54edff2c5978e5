/// What a caller asks of the log's writer (``EventLog/submit(_:preparingOn:)``).
public enum LogWork: Sendable {
    /// Events (any customers), written all or nothing in one commit, with optional expected
    /// versions per customer stream (see ``EventLog/append(_:expectations:)``).
    case append([NewEvent], expectations: [String: ExpectedVersion] = [:])
    /// Erase a customer (see ``EventLog/erase(_:by:reason:kept:expectedVersion:)``).
    case erase(customerId: String, by: String, reason: String? = nil, kept: String? = nil, expectedVersion: UInt64? = nil)
    /// Merge two identities: from then on `from`'s events belong to `into`'s journey (see
    /// ``EventLog/merge(_:into:by:reason:)``).
    case merge(from: StreamID, into: StreamID, by: String, reason: String? = nil)
    /// Remove the links between two identities (see ``EventLog/unmerge(_:into:by:reason:)``).
    case unmerge(from: StreamID, into: StreamID, by: String, reason: String? = nil)
}
