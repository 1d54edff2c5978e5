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
        do {
            return try await primary.transaction { db in try await self.apply(prepared, db) }
        } catch {
            throw Self.storeError(error, "the append was not committed")
        }
    }

    private enum Outcome {
        case new
        case duplicate(position: UInt64, version: UInt64)
        case sameAs(Int)
    }

    /// The body of an append's transaction.
    private func apply(_ p: PreparedAppend, _ db: PostgresConnection) async throws -> AppendResult {
        let events = p.events
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
        // Ids already stored.
        var stored: [String: (position: UInt64, version: UInt64, record: ByteBuffer)] = [:]
        let distinct = Array(Set(p.ids))
        for try await (id, position, version, record) in try await db.query(
            "SELECT event_id, position, version, record FROM journey_events WHERE event_id = ANY(\(distinct))", logger: logger
        ).decode((String, Int64, Int64, ByteBuffer).self) {
            stored[id] = (UInt64(position), UInt64(version), record)
        }
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
            guard let s = stored[id] else { continue }
            let same = s.record.withUnsafeReadableBytes { raw in RecordView(raw).map { EventContent.same($0, events[i]) } ?? false }
            guard events[i].idempotency == .idOnly || same else {
                throw Self.conflict(id, index: i, detail: "the event at position \(s.position) has that id with different content")
            }
            outcomes[i] = .duplicate(position: s.position, version: s.version)
        }
        // The versions of the streams written to (and of those with expectations).
        let written = events.indices.filter { if case .new = outcomes[$0] { true } else { false } }
        var keys = Set(written.map { events[$0].stream.key })
        for customer in p.expectations.keys { keys.insert(StreamID.customer(customer).key) }
        var versions: [[UInt8]: UInt64] = [:]
        let keyBuffers = keys.map { ByteBuffer(bytes: $0) }
        for try await (stream, version) in try await db.query(
            """
            SELECT s, (SELECT e.version FROM journey_events e WHERE e.stream = s ORDER BY e.version DESC LIMIT 1)
            FROM unnest(\(keyBuffers)::bytea[]) AS s
            """, logger: logger
        ).decode((ByteBuffer, Int64?).self) {
            if let version { versions[Array(stream.readableBytesView)] = UInt64(version) }
        }
        if !written.isEmpty {
            for (customer, expected) in p.expectations.sorted(by: { $0.key < $1.key }) {
                let actual = versions[StreamID.customer(customer).key] ?? 0
                guard expected.isSatisfied(by: actual) else {
                    throw StoreError.wrongExpectedVersion(customer, expected: expected, actual: actual)
                }
            }
        }
        // The new records: positions after the head, versions after each stream's, chained.
        let recordedAt = Timestamp(milliseconds: max(Timestamp.now().milliseconds, floor))
        var positions: [Int64] = [], eventIds: [String] = [], streams: [ByteBuffer] = [], recordVersions: [Int64] = [], records: [ByteBuffer] = []
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(events.count)
        var position = UInt64(head)
        for (i, event) in events.enumerated() {
            switch outcomes[i] {
            case .duplicate(let at, let version):
                appended.append(AppendedEvent(id: p.ids[i], customerId: event.customerId, position: at, version: version, duplicate: true))
            case .sameAs(let j):
                let f = appended[j]
                appended.append(AppendedEvent(id: p.ids[i], customerId: event.customerId, position: f.position, version: f.version, duplicate: true))
            case .new:
                let key = event.stream.key
                let version = (versions[key] ?? 0) + 1
                versions[key] = version
                position += 1
                let start = p.recordOffsets[i], end = p.recordOffsets[i + 1]
                var record = [UInt8](repeating: 0, count: end - start)
                record.withUnsafeMutableBytes { out in
                    p.records.withUnsafeBytes { all in
                        previous = RecordEncoder.finish(out, template: UnsafeRawBufferPointer(rebasing: all[start..<end]), version: version,
                                                        recordedAt: recordedAt, floor: &floor, previous: previous)
                    }
                }
                positions.append(Int64(position))
                eventIds.append(p.ids[i])
                streams.append(ByteBuffer(bytes: key))
                recordVersions.append(Int64(version))
                records.append(ByteBuffer(bytes: record))
                appended.append(AppendedEvent(id: p.ids[i], customerId: event.customerId, position: position, version: version, duplicate: false))
            }
        }
        if !positions.isEmpty {
            // One statement per table for the whole batch.
            try await db.query("""
                INSERT INTO journey_events (position, event_id, stream, version, record)
                SELECT * FROM unnest(\(positions)::bigint[], \(eventIds)::text[], \(streams)::bytea[], \(recordVersions)::bigint[], \(records)::bytea[])
                """, logger: logger)
            var chain = [UInt8](repeating: 0, count: 32)
            chain.withUnsafeMutableBytes { previous.write(to: $0.baseAddress!) }
            try await db.query("""
                UPDATE journey_head SET position = \(Int64(position)), chain = \(ByteBuffer(bytes: chain)), recorded_floor = \(floor) WHERE id = 1
                """, logger: logger)
        }
        return AppendResult(events: appended, headPosition: position)
    }

    static func conflict(_ id: String, index: Int, detail: String? = nil) -> StoreError {
        var e = StoreError(.eventIdConflict, "event id \(id) is already used by an event with different content" + (detail.map { " (\($0))" } ?? ""), field: "id")
        e.index = index
        return e
    }
}
