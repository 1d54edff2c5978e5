import Crypto
import LMDBKit

/// Aborts the whole group's transaction with this error (a failure after writes began).
struct AbortGroup: Error {
    let error: StoreError
}

/// What one group's transaction carries from event to event: the next position, the chain
/// hash, and the index entries to write at the end, sorted, through one cursor per index.
///
/// Sorting matters: inserting random keys one by one walks a random root-to-leaf path each
/// time (a cache miss per level); inserting them in key order through a positioned cursor
/// stays on the same few pages.
struct GroupState {
    var position: UInt64
    var previous: ChainHash
    let recordedAt: Timestamp
    /// The latest recording time written so far (kept recording times never go below it).
    var recordedFloor: Int64
    var idEntries: [(EventIDKey, UInt64)] = []
    var streamEntries: [(customer: UInt64, version: UInt64, position: UInt64)] = []
    var customerEntries: [([UInt8], UInt64)] = []
    /// The data keys `customer-keys` holds for customers this group sealed for the first
    /// time in this process (stored by it, or found stored by another process), and the
    /// customers it erased: for the key cache after commit.
    var storedKeys: [([UInt8], DataKey)] = []
    var erased: [[UInt8]] = []
    /// Called with the position of the last record written whenever ``shipEvery`` more
    /// records are final (inside a request too, and after each request): a node ships them
    /// upstream while the writer goes on (``AppendWriter/commitThroughUpstream(_:_:)``).
    var written: ((UInt64) throws -> Void)?
    var shipEvery: UInt64 = .max
    var shippedThrough: UInt64 = 0
}

extension GroupState {
    /// Hands ``shipEvery`` records written since the last hand-over to ``written`` once more
    /// than that many are written. The last record written is kept back, so the group's commit
    /// always carries at least one record of its own.
    @inline(__always)
    mutating func shipIfDue() throws {
        guard position - shippedThrough > shipEvery, let written else { return }
        try written(position - 1)
        shippedThrough = position - 1
    }
}

/// What one committed group produced.
struct GroupOutcome {
    var results: [Result<AppendResult, StoreError>]
    var head: UInt64
    var storedKeys: [([UInt8], DataKey)]
    var erased: [[UInt8]]
}

extension AppendWriter {
    /// Applies every request of a group inside one write transaction. Client mistakes fail
    /// their own request only (nothing of it is written); LMDB errors abort the transaction.
    /// `written`: see ``GroupState/written``.
    func apply(_ group: [WriterRequest], in txn: Transaction,
               written: ((UInt64) throws -> Void)? = nil, every: UInt64 = .max) throws -> GroupOutcome {
        var head: UInt64 = 0
        var previous = ChainHash.genesis
        var lastRecorded = Timestamp(milliseconds: .min)
        try txn.withCursor(layout.events) { c in
            guard let last = try c.last() else { return }
            head = Transaction.uint64(last.key)
            guard let r = RecordView(last.value) else {
                throw AbortGroup(error: StoreError(.corrupt, "the record at position \(head) does not decode; run journeyctl verify"))
            }
            previous = r.chainHash
            lastRecorded = r.recordedAt
        }
        cache.begin(head: head)
        let now = max(Timestamp.now(), lastRecorded)
        var state = GroupState(position: head, previous: previous, recordedAt: now, recordedFloor: lastRecorded.milliseconds)
        state.written = written
        state.shipEvery = every
        state.shippedThrough = head
        var results: [Result<AppendResult, StoreError>] = []
        results.reserveCapacity(group.count)
        try txn.withCursor(layout.eventIds) { ids in
            for request in group {
                do {
                    switch request.work {
                    case .erase(let erasure): results.append(.success(try applyErasure(erasure, in: txn, state: &state)))
                    case .append(let prepared): results.append(.success(try applyOne(prepared, in: txn, ids: &ids, state: &state)))
                    case .identity(let request): results.append(.success(try applyIdentity(request, in: txn, state: &state)))
                    case .sync: results.append(.success(AppendResult(events: [], headPosition: state.position)))
                    }
                } catch let e as StoreError {
                    results.append(.failure(e))
                }
                // Index this request's events before the next request looks its ids up.
                try writeIndexes(&state, ids: &ids, in: txn)
                try state.shipIfDue()
            }
        }
        if state.position != head {
            var value = [UInt8](repeating: 0, count: 40)
            value.withUnsafeMutableBytes { v in
                v.storeBytes(of: state.position.bigEndian, as: UInt64.self)
                state.previous.write(to: v.baseAddress! + 8)
            }
            try txn.put(layout.meta, key: StoreLayout.MetaKey.chainHead, value: value)
        }
        for i in results.indices {
            if case .success(var r) = results[i] {
                r.headPosition = state.position
                results[i] = .success(r)
            }
        }
        return GroupOutcome(results: results, head: state.position, storedKeys: state.storedKeys, erased: state.erased)
    }

    /// Writes the group's index entries in key order.
    private func writeIndexes(_ state: inout GroupState, ids: inout Cursor, in txn: Transaction) throws {
        defer {
            state.idEntries.removeAll(keepingCapacity: true)
            state.streamEntries.removeAll(keepingCapacity: true)
            state.customerEntries.removeAll(keepingCapacity: true)
        }
        state.idEntries.sort { $0.0 < $1.0 }
        for (key, position) in state.idEntries {
            var p = position.bigEndian
            try key.withBytes { k in
                try withUnsafeBytes(of: &p) { try ids.put(key: k, value: $0, flags: .noOverwrite) }
            }
        }
        state.streamEntries.sort { ($0.customer, $0.version) < ($1.customer, $1.version) }
        try txn.withCursor(layout.streams) { streams in
            for e in state.streamEntries {
                var k = e.customer.bigEndian
                var p = e.position.bigEndian
                // Positions only grow, so each is the customer's last value (MDB_APPENDDUP).
                try withUnsafeBytes(of: &k) { kb in
                    try withUnsafeBytes(of: &p) { try streams.put(key: kb, value: $0, flags: .appendDup) }
                }
            }
        }
        state.customerEntries.sort { $0.0.lexicographicallyPrecedes($1.0) }
        try txn.withCursor(layout.customers) { customers in
            for (key, number) in state.customerEntries {
                var n = number.bigEndian
                try key.withUnsafeBytes { kb in
                    try withUnsafeBytes(of: &n) { try customers.put(key: kb, value: $0, flags: .noOverwrite) }
                }
            }
        }
    }

    enum Outcome {
        case new
        case duplicate(position: UInt64, version: UInt64)
        case sameAs(Int)
    }

    /// Checks one request (ids, expected versions) and, if it passes, writes it.
    /// Throws `StoreError` only before anything of the request was written.
    private func applyOne(
        _ request: PreparedAppend, in txn: Transaction, ids: inout Cursor, state: inout GroupState
    ) throws -> AppendResult {
        var request = request
        let events = request.events
        var outcomes = [Outcome](repeating: .new, count: events.count)
        let keys = request.keys
        // Look the ids up in key order through one cursor (see GroupState); equal ids end up
        // next to each other, which finds repeats within the request without a dictionary.
        var previous: Int?
        for i in request.lookupOrder {
            let id = request.ids[i]
            if let j = previous, keys[j] == keys[i], request.ids[j] == id {
                guard events[i].idempotency == .idOnly || EventContent.same(events[i], events[j]) else { throw Self.conflict(id, index: i) }
                outcomes[i] = .sameAs(j)
                continue
            }
            previous = i
            guard let hit = try keys[i].withBytes({ try ids.seek(exactly: $0) }) else { continue }
            let position = Transaction.uint64(hit.value)
            guard let raw = try txn.get(layout.events, key: position), let record = RecordView(raw) else {
                throw StoreError(.corrupt, "event id index points at position \(position), which does not decode; run journeyctl verify")
            }
            guard record.idBytes.elementsEqual(id.utf8) else {
                throw Self.conflict(id, index: i, detail: "its index key collides with event \(record.id) at position \(position)")
            }
            guard try events[i].idempotency == .idOnly || sameContent(record, events[i], in: txn) else {
                throw Self.conflict(id, index: i, detail: "the event at position \(position) has that id with different content")
            }
            outcomes[i] = .duplicate(position: position, version: record.version)
        }
        let writesAnything = outcomes.contains { if case .new = $0 { true } else { false } }
        if writesAnything {
            for (customer, expected) in request.expectations.sorted(by: { $0.key < $1.key }) {
                let actual = try currentVersion(of: .customer(customer), in: txn)
                guard expected.isSatisfied(by: actual) else {
                    throw StoreError.wrongExpectedVersion(customer, expected: expected, actual: actual)
                }
            }
            try checkLinks(request.events, outcomes: outcomes, in: txn)
            if self.keys != nil {
                try checkKeys(&request, outcomes: outcomes, in: txn, state: &state)
            } else if layout.legacyFormat != nil {
                throw StoreError(.formatOutdated, "this store is in format 1 and open for reading only (migration); it takes no appends")
            }
        }
        // Write phase: from here on a StoreError would leave the request half-written, so
        // anything but an LMDB error aborts the whole transaction instead.
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(events.count)
        do {
            // By index: `enumerated()` would copy every event.
            for i in events.indices {
                let id = request.ids[i]
                switch outcomes[i] {
                case .duplicate(let position, let version):
                    appended.append(AppendedEvent(id: id, customerId: events[i].customerId, anonymousId: events[i].anonymousId, position: position, version: version, duplicate: true))
                case .sameAs(let j):
                    // j < i: the first of the equal ids in request order.
                    let first = appended[j]
                    appended.append(AppendedEvent(id: id, customerId: events[i].customerId, anonymousId: events[i].anonymousId, position: first.position, version: first.version, duplicate: true))
                case .new:
                    let (number, version) = try nextVersion(events[i].stream, in: txn, state: &state)
                    state.position += 1
                    var positionKey = state.position.bigEndian
                    let start = request.recordOffsets[i], end = request.recordOffsets[i + 1]
                    try withUnsafeBytes(of: &positionKey) { pk in
                        try request.records.withUnsafeBytes { all in
                            try txn.reserve(layout.events, key: pk, count: end - start, flags: .append) { out in
                                state.previous = RecordEncoder.finish(
                                    out, template: UnsafeRawBufferPointer(rebasing: all[start..<end]), version: version,
                                    recordedAt: state.recordedAt, floor: &state.recordedFloor, previous: state.previous)
                            }
                        }
                    }
                    state.streamEntries.append((number, version, state.position))
                    try state.shipIfDue()
                    if let link = events[i].link { try addLink(link, position: state.position, in: txn) }
                    appended.append(AppendedEvent(id: id, customerId: events[i].customerId, anonymousId: events[i].anonymousId, position: state.position, version: version, duplicate: false))
                }
            }
            // In key order (the lookup order), so that sorting them for the index costs one pass.
            for i in request.lookupOrder {
                if case .new = outcomes[i] { state.idEntries.append((keys[i], appended[i].position)) }
            }
        } catch let e as LMDBError {
            throw e
        } catch let e as AbortGroup {
            throw e
        } catch {
            throw AbortGroup(error: StoreError.wrap(error))
        }
        return AppendResult(events: appended, headPosition: state.position)
    }

    /// Writes a record the store makes itself (an erasure, a merge or unmerge) at the next
    /// position, chained like every other.
    func writeRecord(_ event: NewEvent, id: String, kind: RecordView.Kind, version: UInt64, in txn: Transaction, state: inout GroupState) throws {
        state.position += 1
        var template = [UInt8](repeating: 0, count: RecordEncoder.size(of: event, id: id))
        template.withUnsafeMutableBytes { _ = RecordEncoder.encodeTemplate(event, id: id, kind: kind, into: $0) }
        var positionKey = state.position.bigEndian
        try withUnsafeBytes(of: &positionKey) { pk in
            try template.withUnsafeBytes { t in
                try txn.reserve(layout.events, key: pk, count: t.count, flags: .append) { out in
                    state.previous = RecordEncoder.finish(
                        out, template: t, version: version, recordedAt: state.recordedAt, floor: &state.recordedFloor, previous: state.previous)
                }
            }
        }
    }

    static func conflict(_ id: String, index: Int, detail: String? = nil) -> StoreError {
        var e = StoreError(.eventIdConflict, "event id \(id) is already used by an event with different content" + (detail.map { " (\($0))" } ?? ""), field: "id")
        e.index = index
        return e
    }

    /// The stream's number and the version its next event gets (recorded in the cache),
    /// numbering a new stream (its `customers` entry is written with the group's index entries).
    func nextVersion(_ stream: StreamID, in txn: Transaction, state: inout GroupState) throws -> (UInt64, UInt64) {
        if let i = cache.customers.index(forKey: stream) {
            cache.customers.values[i].version += 1
            let s = cache.customers.values[i]
            return (s.number, s.version)
        }
        let key = stream.key
        if let v = try txn.get(layout.customers, key: key) {
            let n = Transaction.uint64(v)
            let version = try StreamIndex.lastVersion(of: n, in: txn, streams: layout.streams) + 1
            cache.customers[stream] = .init(number: n, version: version)
            return (n, version)
        }
        let n: UInt64
        if let next = cache.nextCustomer {
            n = next
        } else {
            n = try txn.withCursor(layout.streams) { c in
                guard let last = try c.last() else { return 1 }
                return Transaction.uint64(last.key) + 1
            }
        }
        cache.nextCustomer = n + 1
        state.customerEntries.append((key, n))
        cache.customers[stream] = .init(number: n, version: 1)
        return (n, 1)
    }

    /// The stream's version (0 when it has no events).
    func currentVersion(of stream: StreamID, in txn: Transaction) throws -> UInt64 {
        if let s = cache.customers[stream] { return s.version }
        guard let v = try txn.get(layout.customers, key: stream.key) else { return 0 }
        let n = Transaction.uint64(v)
        let version = try StreamIndex.lastVersion(of: n, in: txn, streams: layout.streams)
        cache.customers[stream] = .init(number: n, version: version)
        return version
    }
}
