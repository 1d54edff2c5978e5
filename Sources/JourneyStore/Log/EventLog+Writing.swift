import Dispatch

/// Every way to write, on top of the one ``EventLog/submit(_:preparingOn:)``.
extension EventLog {
    /// Queues work prepared on the caller's thread.
    public func submit(_ work: LogWork) -> AppendTicket { submit(work, preparingOn: nil) }

    /// Appends `events` (any customers) all-or-nothing in one durable commit, together with
    /// other appends that arrive meanwhile (group commit).
    ///
    /// - Events without an `id` get a generated UUIDv7. An event whose id is already in the log
    ///   with the same content is not written again and comes back with `duplicate: true` and its
    ///   original position; with different content the whole append fails (`event_id_conflict`).
    /// - `expectations` are checked against each named customer's stream before anything is
    ///   written (`wrong_expected_version` reports expected and actual). They are skipped when
    ///   every event is a duplicate, so retrying a whole append is safe.
    /// - Invalid events fail the append (`invalid_event`, with the event's index); nothing is written.
    public func append(_ events: [NewEvent], expectations: [String: ExpectedVersion] = [:]) async throws(StoreError) -> AppendResult {
        try await submit(.append(events, expectations: expectations)).result()
    }

    /// Appends one event (see ``append(_:expectations:)``).
    public func append(_ event: NewEvent, expected: ExpectedVersion = .any) async throws(StoreError) -> AppendedEvent {
        try await append([event], expectations: expected == .any || event.customerId == nil ? [:] : [event.customerId!: expected]).events[0]
    }

    /// The blocking form of ``append(_:expectations:)`` (not for the Swift concurrency pool).
    public func appendBlocking(_ events: [NewEvent], expectations: [String: ExpectedVersion] = [:]) throws(StoreError) -> AppendResult {
        try submit(.append(events, expectations: expectations)).wait()
    }

    /// Erases a customer (crypto-shredding): destroys the customer's data key, so the sealed
    /// `properties` of every event of theirs can never be read again, and appends an erasure
    /// record (type `customer_erased`) to their stream. The log's other fields and its hash
    /// chain are untouched (the chain covers the sealed bytes), so `verify` still passes.
    ///
    /// - `by`, `reason`: kept in the erasure record (the audit of erasures; admin only).
    /// - `kept`: text the layers above keep in the erasure record (the non-personal part of the
    ///   customer's derived state, so that rebuilt views still count the customer).
    /// - `expectedVersion`: erase only if the stream is still at this version.
    ///
    /// Throws `not_found` for an unknown customer (nothing written), `not_encrypted` for a
    /// store without a master key. Erasing again returns the first erasure with `duplicate`.
    public func erase(_ customerId: String, by actor: String, reason: String? = nil, kept: String? = nil,
                      expectedVersion: UInt64? = nil) async throws(StoreError) -> ErasureRecord {
        let result = try await submit(.erase(customerId: customerId, by: actor, reason: reason, kept: kept, expectedVersion: expectedVersion)).result()
        return try erasureRecord(of: customerId, from: result)
    }

    /// The blocking form of ``erase(_:by:reason:kept:expectedVersion:)``.
    public func eraseBlocking(_ customerId: String, by actor: String, reason: String? = nil, kept: String? = nil,
                              expectedVersion: UInt64? = nil) throws(StoreError) -> ErasureRecord {
        let result = try submit(.erase(customerId: customerId, by: actor, reason: reason, kept: kept, expectedVersion: expectedVersion)).wait()
        return try erasureRecord(of: customerId, from: result)
    }

    private func erasureRecord(of customerId: String, from result: AppendResult) throws(StoreError) -> ErasureRecord {
        let e = result.events[0]
        guard var record = try erasures(customerId: customerId).first else {
            throw StoreError(.corrupt, "the erasure of \(customerId) at position \(e.position) cannot be read back")
        }
        record.duplicate = e.duplicate
        return record
    }

    /// A customer's stream (see ``EventLog/readStream(_:from:backward:limit:)``).
    public func readStream(_ customerId: String, from version: UInt64? = nil, backward: Bool = false, limit: Int = 1000) throws(StoreError) -> [StoredEvent] {
        try readStream(.customer(customerId), from: version, backward: backward, limit: limit)
    }

    /// A customer's stream version (see ``EventLog/streamVersion(_:)``).
    public func streamVersion(_ customerId: String) throws(StoreError) -> UInt64 { try streamVersion(.customer(customerId)) }

    /// The stream an id names: the customer's when the log knows one by that id, else the
    /// anonymous visitor's when it knows one, else `nil`. (Customer ids win where both exist.)
    public func resolve(_ id: String) throws(StoreError) -> StreamID? {
        do {
            return try snapshot { log in try [StreamID.customer(id), .anonymous(id)].first { try log.hasStream($0) } }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Merges two identities (Segment's alias, or a person found to be one customer): from then
    /// on `from`'s events belong to `into`'s journey, and `into`'s side names it. Written as a
    /// record of `into`'s stream (who, why, the two ids). Merging an id into itself or into one
    /// it is linked to already changes nothing (`nil`). Refused for an unknown or erased id, a
    /// blocked id, or one already at its most links.
    public func merge(_ from: StreamID, into: StreamID, by actor: String, reason: String? = nil) async throws(StoreError) -> AppendedEvent? {
        try await submit(.merge(from: from, into: into, by: actor, reason: reason)).result().events.first
    }

    /// Reverses the links between two identities (a merge, or a link an event made): afterwards
    /// the views are what a replay of the log without them gives. Refused when the two are not
    /// linked directly, or for an erased id.
    public func unmerge(_ from: StreamID, into: StreamID, by actor: String, reason: String? = nil) async throws(StoreError) -> AppendedEvent? {
        try await submit(.unmerge(from: from, into: into, by: actor, reason: reason)).result().events.first
    }

    /// See ``EventLog/erasures(customerId:)``.
    public func erasures() throws(StoreError) -> [ErasureRecord] { try erasures(customerId: nil) }

}
