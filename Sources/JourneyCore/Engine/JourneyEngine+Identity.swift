public import JourneyStore

/// What a merge or unmerge did: the two ids, whether anything changed, and the record that
/// says so (who, when, why), as `POST /v1/identities/merge|unmerge` answers it.
public struct IdentityChangeRecord: Sendable, Equatable, Codable {
    /// `merge` or `unmerge`.
    public var action: String
    public var from: IdentityOutput
    public var into: IdentityOutput
    /// `false`: the two were one journey already (a merge), so nothing was written.
    public var changed: Bool
    /// The merge or unmerge record, in `into`'s stream (absent when nothing changed).
    public var eventId: String?
    public var position: UInt64?
    public var version: UInt64?
    public var by: String
    public var reason: String?
    /// The ids of `into`'s journey afterwards.
    public var identities: [LinkedIdentity]

    public init(action: String, from: IdentityOutput, into: IdentityOutput, changed: Bool, by: String, reason: String?, identities: [LinkedIdentity]) {
        self.action = action
        self.from = from
        self.into = into
        self.changed = changed
        self.by = by
        self.reason = reason
        self.identities = identities
    }
}

/// The ids linked to one, as `GET /v1/customers/{id}/identities` answers: the id asked
/// about first, then each linked id with the record that linked it.
public struct IdentityListing: Sendable, Equatable, Codable {
    public var id: String
    /// `customer` or `anonymous`: which stream the id named.
    public var kind: String
    public var identities: [LinkedIdentity]

    public init(id: String, kind: String, identities: [LinkedIdentity]) {
        self.id = id
        self.kind = kind
        self.identities = identities
    }
}

extension JourneyEngine {
    /// The ids linked to `id` (a customer's, else a visitor's); `not_found` for an unknown id.
    public func identities(of id: String) throws(StoreError) -> IdentityListing {
        guard let stream = try log.resolve(id) else { throw JourneyQueries.notFound(id) }
        return IdentityListing(id: id, kind: stream.isAnonymous ? "anonymous" : "customer", identities: try log.identities(of: stream))
    }

    /// The stream an id names: with `kind` (`customer` or `anonymous`) that one; without, the
    /// customer's when the log knows one by that id, else the visitor's. Throws
    /// `invalid_argument` for another kind.
    public func stream(_ id: String, kind: String?, field: String) throws(StoreError) -> StreamID {
        do {
            try NewEvent.checkParty(id, field: field)
        } catch {
            throw StoreError(.invalidArgument, error.message, field: field)
        }
        switch kind {
        case nil:
            // An unknown id is taken as a customer's: the writer then says why it is refused
            // (on the block-list, or not known), with the rest of the request checked alike.
            return try log.resolve(id) ?? .customer(id)
        case "customer"?: return .customer(id)
        case "anonymous"?: return .anonymous(id)
        case let other?:
            throw StoreError(.invalidArgument, "\(field)Kind: expected customer or anonymous, got \(other)", field: "\(field)Kind")
        }
    }

    /// Merges `from` into `into` (see ``EventLog/merge(_:into:by:reason:)``) and brings the
    /// views up to date. Blocking: from async code, run it off the concurrency pool.
    public func merge(_ from: StreamID, into: StreamID, by actor: String, reason: String?) throws(StoreError) -> IdentityChangeRecord {
        try change(.merge(from: from, into: into, by: actor, reason: reason), "merge", from, into, actor, reason)
    }

    /// Removes the links between `from` and `into` (see ``EventLog/unmerge(_:into:by:reason:)``)
    /// and brings the views up to date: they are then what a log without the links gives.
    public func unmerge(_ from: StreamID, into: StreamID, by actor: String, reason: String?) throws(StoreError) -> IdentityChangeRecord {
        try change(.unmerge(from: from, into: into, by: actor, reason: reason), "unmerge", from, into, actor, reason)
    }

    private func change(_ work: LogWork, _ action: String, _ from: StreamID, _ into: StreamID, _ actor: String, _ reason: String?) throws(StoreError) -> IdentityChangeRecord {
        if let reason, reason.count > 1000 {
            throw StoreError(.invalidArgument, "reason: at most 1000 characters, got \(reason.count)", field: "reason")
        }
        let written = try log.submit(work).wait().events.first
        var out = IdentityChangeRecord(
            action: action, from: JourneyQueries.output(from), into: JourneyQueries.output(into), changed: written != nil,
            by: actor, reason: reason, identities: try log.identities(of: into))
        out.eventId = written?.id
        out.position = written?.position
        out.version = written?.version
        try live.catchUp()
        return out
    }
}
