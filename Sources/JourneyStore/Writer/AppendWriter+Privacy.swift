import LMDBKit

extension AppendWriter {
    /// Encrypted stores, before a request writes: decides, inside the transaction that writes
    /// the events, the one data key of every customer the request writes to, whichever
    /// process wins. The key the preparer sealed with is only a proposal:
    /// - the customer has no stored key: the proposal is stored now, in this transaction;
    /// - the stored key is the proposal (same wrapped bytes): nothing to do;
    /// - another key is stored (another process stored its own first): the request's events of
    ///   that customer are sealed again with the stored key, and the key cache learns it after
    ///   the commit, so no later request seals with the proposal again;
    /// - the customer was erased: the request fails (`customer_erased`).
    /// Every sealed event is therefore written under the key `customer-keys` holds when it commits.
    func checkKeys(_ request: inout PreparedAppend, outcomes: [Outcome], in txn: Transaction, state: inout GroupState) throws {
        let generation = cache.keysGeneration
        /// Customers of this request whose events were sealed again (all of them at once).
        var resealed = Set<ByteKey>()
        for i in request.events.indices {
            guard case .new = outcomes[i] else { continue }
            let proposed = request.sealedWith[i]
            // The common case: sealed with a key this writer knows is the stored one.
            if let proposed, proposed.confirmed.load(ordering: .relaxed) == generation { continue }
            let c = request.customerKeys[i]
            if !resealed.isEmpty && resealed.contains(ByteKey(c)) { continue }
            guard let value = try txn.get(layout.customerKeys, key: c) else {
                guard let proposed else {
                    throw StoreError(.corrupt, "\(request.events[i].stream) has no data key in this store, yet the key cache said it was erased; reopen the store")
                }
                try txn.put(layout.customerKeys, key: c, value: proposed.wrapped)
                proposed.confirmed.store(generation, ordering: .relaxed)
                state.storedKeys.append((c, proposed))
                continue
            }
            if value.first == CustomerKeys.erased { throw CustomerKeys.erasedError(c) }
            guard let proposed else {
                throw StoreError(.corrupt, "\(request.events[i].stream) has a live data key in this store, yet the key cache said it was erased; reopen the store")
            }
            if proposed.wrapped.withUnsafeBytes({ $0.elementsEqual(value) }) {
                proposed.confirmed.store(generation, ordering: .relaxed)
                continue
            }
            // Another process stored its key first: seal this request's events of the customer
            // again with it, and let the key cache learn it after the commit.
            let stored = try keys!.unwrap(value, customer: c)
            stored.confirmed.store(generation, ordering: .relaxed)
            reseal(&request, customer: c, key: stored)
            resealed.insert(ByteKey(c))
            state.storedKeys.append((c, stored))
        }
    }

    /// Idempotency: whether a stored record has the content of `e` (sealed properties opened
    /// first). For an erased customer the properties cannot be compared; the rest must match.
    func sameContent(_ record: RecordView, _ e: NewEvent, in txn: Transaction) throws -> Bool {
        guard record.isSealed, let keys else { return EventContent.same(record, e) }
        let opened = try keys.openProperties(of: record, layout: layout, in: txn)
        let copy = record.readableCopy(properties: opened)
        return copy.withUnsafeBytes { raw in
            let view = RecordView(raw)!
            if opened == nil {
                var without = e
                without.properties = nil
                return EventContent.same(view, without)
            }
            return EventContent.same(view, e)
        }
    }

    /// Seals the request's events of `customer` again under `key`, in place (same length).
    private func reseal(_ request: inout PreparedAppend, customer: [UInt8], key: DataKey) {
        for i in request.events.indices where request.customerKeys[i] == customer {
            guard let properties = request.events[i].properties else { continue }
            let start = request.recordOffsets[i], end = request.recordOffsets[i + 1]
            request.records.withUnsafeMutableBytes { all in
                let record = UnsafeMutableRawBufferPointer(rebasing: all[start..<end])
                guard let view = RecordView(UnsafeRawBufferPointer(record)) else { return }
                let at = view.propertiesStart
                PreparedAppend.seal(properties.bytes, key: key, customer: customer,
                                    into: UnsafeMutableRawBufferPointer(rebasing: record[at..<(at + properties.bytes.count + DataKey.overhead)]))
            }
        }
    }

    /// Erases a customer: destroys the data key of every stream linked to them (tombstones take
    /// their place), records the erasure of each in `erasures`, and appends the erasure record
    /// to the customer's stream.
    /// Erasing an erased customer answers the original erasure as a duplicate.
    func applyErasure(_ erasure: ErasureRequest, in txn: Transaction, state: inout GroupState) throws -> AppendResult {
        guard keys != nil else {
            throw StoreError(.notEncrypted, "this store was created without a master key: its events are not sealed, so a customer cannot be erased by destroying a key. Migrate it into an encrypted store first (journeyctl migrate)")
        }
        let customerId = erasure.customerId
        let c = StoreLayout.customerKey(customerId)
        if let v = try txn.get(layout.erasures, key: c) {
            let p = Transaction.uint64(v)
            guard let raw = try txn.get(layout.events, key: p), let r = RecordView(raw) else {
                throw StoreError(.corrupt, "the erasure of \(customerId) points at position \(p), which does not decode")
            }
            return AppendResult(events: [AppendedEvent(id: r.id, customerId: customerId, position: p, version: r.version, duplicate: true)], headPosition: state.position)
        }
        let version = try currentVersion(of: .customer(customerId), in: txn)
        guard version > 0 else { throw StoreError(.notFound, "customer \(customerId) is not known to this store; nothing was erased") }
        if let expected = erasure.expectedVersion, expected != version {
            throw StoreError.wrongExpectedVersion(customerId, expected: .exact(expected), actual: version)
        }
        do {
            let (number, v) = try nextVersion(.customer(customerId), in: txn, state: &state)
            let id = EventID.generate(at: state.recordedAt)
            let event = NewEvent(id: id, customerId: customerId, type: "customer_erased", properties: erasure.properties)
            try writeRecord(event, id: id, kind: .erasure, version: v, in: txn, state: &state)
            // Every stream linked to the customer is the same person: all their keys go.
            var p = state.position.bigEndian
            let members = try LinkIndex(db: layout.links, txn: txn).component(of: c)
            cache.forgetKeys()
            for m in members {
                try withUnsafeBytes(of: &p) { pb in try m.withUnsafeBytes { try txn.put(layout.erasures, key: $0, value: pb) } }
                try txn.put(layout.customerKeys, key: m, value: CustomerKeys.tombstone(position: state.position, erasedAt: state.recordedAt))
                state.erased.append(m)
            }
            state.idEntries.append((EventIDKey(id), state.position))
            state.streamEntries.append((number, v, state.position))
            return AppendResult(events: [AppendedEvent(id: id, customerId: customerId, position: state.position, version: v, duplicate: false)], headPosition: state.position)
        } catch let e as LMDBError {
            throw e
        } catch {
            throw AbortGroup(error: StoreError.wrap(error))
        }
    }
}
