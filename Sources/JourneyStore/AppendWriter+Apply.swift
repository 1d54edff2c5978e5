import LMDBKit

/// Aborts the whole group's transaction with this error (a failure after writes began).
struct AbortGroup: Error {
    let error: StoreError
}

/// Position, chain hash and recording time carried from one event to the next within a group.
struct GroupState {
    var position: UInt64
    var previous: ChainHash
    let recordedAt: Timestamp
}

extension AppendWriter {
    /// Applies every request of a group inside one write transaction. Client mistakes fail
    /// their own request only (nothing of it is written); LMDB errors abort the transaction.
    func apply(_ group: [AppendRequest], in txn: Transaction) throws -> ([Result<AppendResult, StoreError>], UInt64) {
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
        var state = GroupState(position: head, previous: previous, recordedAt: max(Timestamp.now(), lastRecorded))
        var results: [Result<AppendResult, StoreError>] = []
        results.reserveCapacity(group.count)
        for request in group {
            do {
                results.append(.success(try applyOne(request, in: txn, state: &state)))
            } catch let e as StoreError {
                results.append(.failure(e))
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
        return (results, state.position)
    }

    private enum Outcome {
        case new
        case duplicate(position: UInt64, version: UInt64)
        case sameAs(Int)
    }

    /// Checks one request (ids, expected versions) and, if it passes, writes it.
    /// Throws `StoreError` only before anything of the request was written.
    private func applyOne(_ request: AppendRequest, in txn: Transaction, state: inout GroupState) throws -> AppendResult {
        let events = request.events
        var outcomes = [Outcome](repeating: .new, count: events.count)
        var keys = [(UInt64, UInt64)](repeating: (0, 0), count: events.count)
        var firstIndex: [String: Int] = [:]
        for (i, event) in events.enumerated() {
            let id = request.ids[i]
            if events.count > 1 {
                if let j = firstIndex[id] {
                    guard EventContent.same(event, events[j]) else { throw Self.conflict(id, index: i) }
                    outcomes[i] = .sameAs(j)
                    continue
                }
                firstIndex[id] = i
            }
            keys[i] = eventIdKey(id)
            if let p = try txn.get(layout.eventIds, key16: keys[i]) {
                let position = Transaction.uint64(p)
                guard let raw = try txn.get(layout.events, key: position), let record = RecordView(raw) else {
                    throw StoreError(.corrupt, "event id index points at position \(position), which does not decode; run journeyctl verify")
                }
                guard record.idBytes.elementsEqual(id.utf8) else {
                    throw Self.conflict(id, index: i, detail: "its index key collides with event \(record.id) at position \(position)")
                }
                guard EventContent.same(record, event) else {
                    throw Self.conflict(id, index: i, detail: "the event at position \(position) has that id with different content")
                }
                outcomes[i] = .duplicate(position: position, version: record.version)
            }
        }
        let writesAnything = outcomes.contains { if case .new = $0 { true } else { false } }
        if writesAnything {
            for (customer, expected) in request.expectations.sorted(by: { $0.key < $1.key }) {
                let actual = try currentVersion(of: customer, in: txn)
                guard expected.isSatisfied(by: actual) else {
                    var e = StoreError(.wrongExpectedVersion, "customer \(customer): expected version \(expected), but the stream is at version \(actual)")
                    e.expectedVersion = expected
                    e.actualVersion = actual
                    e.customerId = customer
                    throw e
                }
            }
        }
        // Write phase: from here on a StoreError would leave the request half-written, so
        // anything but an LMDB error aborts the whole transaction instead.
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(events.count)
        do {
            for (i, event) in events.enumerated() {
                let id = request.ids[i]
                switch outcomes[i] {
                case .duplicate(let position, let version):
                    appended.append(AppendedEvent(id: id, customerId: event.customerId, position: position, version: version, duplicate: true))
                case .sameAs(let j):
                    let first = appended[j]
                    appended.append(AppendedEvent(id: id, customerId: event.customerId, position: first.position, version: first.version, duplicate: true))
                case .new:
                    let (number, isNewCustomer) = try customerNumber(event.customerId, in: txn)
                    let version = try currentVersion(ofNumber: number, in: txn) + 1
                    cache.versions[number] = version
                    state.position += 1
                    var positionKey = state.position.bigEndian
                    try withUnsafeBytes(of: &positionKey) { pk in
                        let size = RecordEncoder.size(of: event, id: id)
                        try txn.reserve(layout.events, key: pk, count: size, flags: .append) { out in
                            state.previous = RecordEncoder.encode(
                                event, id: id, version: version, recordedAt: state.recordedAt,
                                previous: state.previous, into: out)
                        }
                        var streamKey = StoreLayout.streamKey(number, version)
                        try withUnsafeBytes(of: &streamKey) { sk in
                            try txn.put(layout.streams, key: sk, value: pk, flags: isNewCustomer ? .append : [])
                        }
                        var idKey = keys[i]
                        try withUnsafeBytes(of: &idKey) { ik in
                            try txn.put(layout.eventIds, key: ik, value: pk, flags: .noOverwrite)
                        }
                    }
                    appended.append(AppendedEvent(id: id, customerId: event.customerId, position: state.position, version: version, duplicate: false))
                }
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

    static func conflict(_ id: String, index: Int, detail: String? = nil) -> StoreError {
        var e = StoreError(.eventIdConflict, "event id \(id) is already used by an event with different content" + (detail.map { " (\($0))" } ?? ""), field: "id")
        e.index = index
        return e
    }

    /// The customer's number, assigning the next one (and recording it) for a new customer.
    private func customerNumber(_ customerId: String, in txn: Transaction) throws -> (UInt64, Bool) {
        if let n = cache.customers[customerId] { return (n, false) }
        let key = StoreLayout.customerKey(customerId)
        if let v = try txn.get(layout.customers, key: key) {
            let n = Transaction.uint64(v)
            cache.customers[customerId] = n
            return (n, false)
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
        var value = n.bigEndian
        try key.withUnsafeBytes { k in
            try withUnsafeBytes(of: &value) { try txn.put(layout.customers, key: k, value: $0, flags: .noOverwrite) }
        }
        cache.customers[customerId] = n
        cache.versions[n] = 0
        return (n, true)
    }

    /// The stream version of a customer by id (0 when the customer has no events).
    private func currentVersion(of customerId: String, in txn: Transaction) throws -> UInt64 {
        if let n = cache.customers[customerId] { return try currentVersion(ofNumber: n, in: txn) }
        guard let v = try txn.get(layout.customers, key: StoreLayout.customerKey(customerId)) else { return 0 }
        return try currentVersion(ofNumber: Transaction.uint64(v), in: txn)
    }

    private func currentVersion(ofNumber n: UInt64, in txn: Transaction) throws -> UInt64 {
        if let v = cache.versions[n] { return v }
        let v = try StreamIndex.lastVersion(of: n, in: txn, streams: layout.streams)
        cache.versions[n] = v
        return v
    }
}
