public import JourneyStore
import NIOCore
import PostgresNIO

extension PostgresLog {
    /// Appends `events` as one atomic batch (all or none), in order; checks `expectations`
    /// (customer id → expected version) in the same transaction. Events already in the log with
    /// the same id and content are duplicates (their position and version are returned); the
    /// same id with other content is `event_id_conflict`.
    public func append(_ events: [NewEvent], expectations: [String: ExpectedVersion] = [:]) async throws(StoreError) -> AppendResult {
        guard !events.isEmpty else { throw StoreError(.invalidArgument, "an append needs at least one event") }
        var ids: [String] = []
        ids.reserveCapacity(events.count)
        let now = Timestamp.now()
        for (i, e) in events.enumerated() {
            do {
                try e.validate(limits: limits)
            } catch {
                var err = error
                err.index = i
                if events.count > 1 { err.message = "event [\(i)]: " + err.message }
                throw err
            }
            guard e.customerId != nil, e.anonymousId == nil, e.link == nil else {
                var err = StoreError.invalid("anonymousId", "the PostgreSQL log takes customers' events only so far (no visitors, no identity links)")
                err.index = i
                throw err
            }
            ids.append(e.id ?? EventID.generate(at: now))
        }
        let prepared = PreparedAppend(events: events, ids: ids, expectations: expectations)
        return try await committer.submit(prepared, to: self)
    }

    /// One transaction for `group`, the appends queued together (``GroupCommit``), in order: the
    /// head row locked once, the stored ids and stream versions read once for all of them, each
    /// append then checked on its own (a conflict or a wrong expected version fails that append
    /// only, leaving nothing of it), and the rows of all that passed inserted with one statement.
    /// Returns each append's outcome; throws when the transaction itself failed (all fail).
    func commit(_ group: [PreparedAppend]) async throws -> [Result<AppendResult, StoreError>] {
        try await primary.transaction { db in try await self.apply(group, db) }
    }

    /// What the appends of one transaction share: the head, the chain, the versions, the ids
    /// already stored or written by an earlier append of the same transaction.
    struct GroupState {
        var position: UInt64
        var previous: ChainHash
        var floor: Int64
        var versions: [[UInt8]: UInt64]
        var stored: [String: (position: UInt64, version: UInt64, record: ByteBuffer?, event: NewEvent?)]
        var rows = Rows()
    }

    /// The new rows, column by column, for `unnest`.
    struct Rows {
        var positions: [Int64] = [], eventIds: [String] = [], streams: [ByteBuffer] = [], versions: [Int64] = [], records: [ByteBuffer] = []
    }

    private enum Outcome {
        case new
        case duplicate(position: UInt64, version: UInt64)
        case sameAs(Int)
    }

    /// The body of a group's transaction.
    private func apply(_ group: [PreparedAppend], _ db: PostgresConnection) async throws -> [Result<AppendResult, StoreError>] {
        // The head row, locked: appends commit one after the other, in position order.
        var head: Int64 = 0, floor = Int64.min
        var previous = ChainHash.genesis
        for try await (position, chain, recorded) in try await db.query(
            "SELECT position, chain, recorded_floor FROM journey_head WHERE id = 1 FOR UPDATE", logger: logger
        ).decode((Int64, ByteBuffer, Int64).self) {
            head = position
            floor = recorded
            previous = chain.withUnsafeReadableBytes { ChainHash($0) }
        }
        // Ids already stored, for every append of the group at once.
        var state = GroupState(position: UInt64(head), previous: previous, floor: floor, versions: [:], stored: [:])
        let distinct = Array(Set(group.flatMap(\.ids)))
        for try await (id, position, version, record) in try await db.query(
            "SELECT event_id, position, version, record FROM journey_events WHERE event_id = ANY(\(distinct))", logger: logger
        ).decode((String, Int64, Int64, ByteBuffer).self) {
            state.stored[id] = (UInt64(position), UInt64(version), record, nil)
        }
        // The versions of the streams written to (and of those with expectations).
        var keys = Set<[UInt8]>()
        for p in group {
            for e in p.events { keys.insert(e.stream.key) }
            for customer in p.expectations.keys { keys.insert(StreamID.customer(customer).key) }
        }
        let keyBuffers = keys.map { ByteBuffer(bytes: $0) }
        for try await (stream, version) in try await db.query(
            """
            SELECT s, (SELECT e.version FROM journey_events e WHERE e.stream = s ORDER BY e.version DESC LIMIT 1)
            FROM unnest(\(keyBuffers)::bytea[]) AS s
            """, logger: logger
        ).decode((ByteBuffer, Int64?).self) {
            if let version { state.versions[Array(stream.readableBytesView)] = UInt64(version) }
        }
        let recordedAt = Timestamp(milliseconds: max(Timestamp.now().milliseconds, floor))
        var results: [Result<AppendResult, StoreError>] = []
        for p in group {
            // `plan` throws before it changes anything: one that fails leaves nothing of itself.
            results.append(Result { () throws(StoreError) in try plan(p, recordedAt: recordedAt, &state) })
        }
        let rows = state.rows
        if !rows.positions.isEmpty {
            var chain = [UInt8](repeating: 0, count: 32)
            chain.withUnsafeMutableBytes { state.previous.write(to: $0.baseAddress!) }
            // One statement for the rows of the whole group, one for the head.
            try await db.query("""
                INSERT INTO journey_events (position, event_id, stream, version, record)
                SELECT * FROM unnest(\(rows.positions)::bigint[], \(rows.eventIds)::text[], \(rows.streams)::bytea[], \(rows.versions)::bigint[], \(rows.records)::bytea[])
                """, logger: logger)
            try await db.query("""
                UPDATE journey_head SET position = \(Int64(state.position)), chain = \(ByteBuffer(bytes: chain)), recorded_floor = \(state.floor) WHERE id = 1
                """, logger: logger)
        }
        return results
    }

    /// One append against the group's state: duplicates, conflicts, expected versions, then its
    /// records chained after the group's last. Every check (and so every throw) comes before the
    /// first change to `state`: an append that fails leaves it as it was.
    private func plan(_ p: PreparedAppend, recordedAt: Timestamp, _ state: inout GroupState) throws(StoreError) -> AppendResult {
        let events = p.events
        var outcomes = [Outcome](repeating: .new, count: events.count)
        var first: [String: Int] = [:]
        for i in events.indices {
            let id = p.ids[i]
            if let j = first[id] {
                guard events[i].idempotency == .idOnly || EventContent.same(events[i], events[j]) else { throw Self.conflict(id, index: i) }
                outcomes[i] = .sameAs(j)
                continue
            }
            first[id] = i
            guard let s = state.stored[id] else { continue }
            let same: Bool
            if let record = s.record {
                same = record.withUnsafeReadableBytes { raw in RecordView(raw).map { EventContent.same($0, events[i]) } ?? false }
            } else {
                same = s.event.map { EventContent.same($0, events[i]) } ?? false
            }
            guard events[i].idempotency == .idOnly || same else {
                throw Self.conflict(id, index: i, detail: "the event at position \(s.position) has that id with different content")
            }
            outcomes[i] = .duplicate(position: s.position, version: s.version)
        }
        let writes = outcomes.contains { if case .new = $0 { true } else { false } }
        if writes {
            for (customer, expected) in p.expectations.sorted(by: { $0.key < $1.key }) {
                let actual = state.versions[StreamID.customer(customer).key] ?? 0
                guard expected.isSatisfied(by: actual) else {
                    throw StoreError.wrongExpectedVersion(customer, expected: expected, actual: actual)
                }
            }
        }
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(events.count)
        for (i, event) in events.enumerated() {
            switch outcomes[i] {
            case .duplicate(let at, let version):
                appended.append(AppendedEvent(id: p.ids[i], customerId: event.customerId, position: at, version: version, duplicate: true))
            case .sameAs(let j):
                let f = appended[j]
                appended.append(AppendedEvent(id: p.ids[i], customerId: event.customerId, position: f.position, version: f.version, duplicate: true))
            case .new:
                let key = event.stream.key
                let version = (state.versions[key] ?? 0) + 1
                state.versions[key] = version
                state.position += 1
                let start = p.recordOffsets[i], end = p.recordOffsets[i + 1]
                var record = [UInt8](repeating: 0, count: end - start)
                record.withUnsafeMutableBytes { out in
                    p.records.withUnsafeBytes { all in
                        state.previous = RecordEncoder.finish(out, template: UnsafeRawBufferPointer(rebasing: all[start..<end]), version: version,
                                                              recordedAt: recordedAt, floor: &state.floor, previous: state.previous)
                    }
                }
                state.rows.positions.append(Int64(state.position))
                state.rows.eventIds.append(p.ids[i])
                state.rows.streams.append(ByteBuffer(bytes: key))
                state.rows.versions.append(Int64(version))
                state.rows.records.append(ByteBuffer(bytes: record))
                state.stored[p.ids[i]] = (state.position, version, nil, event)
                appended.append(AppendedEvent(id: p.ids[i], customerId: event.customerId, position: state.position, version: version, duplicate: false))
            }
        }
        return AppendResult(events: appended, headPosition: state.position)
    }

    static func conflict(_ id: String, index: Int, detail: String? = nil) -> StoreError {
        var e = StoreError(.eventIdConflict, "event id \(id) is already used by an event with different content" + (detail.map { " (\($0))" } ?? ""), field: "id")
        e.index = index
        return e
    }
}
