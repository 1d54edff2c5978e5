import LMDBKit

/// A lone store as upstream commits, for moving it into a shared log (`journeyctl migrate --log`).
extension EventStore {
    /// The store's master-key check (``UpstreamIdentity/keyCheck``); empty when unencrypted.
    package var keyCheck: [UInt8] {
        ((try? read { txn in try txn.get(layout.meta, key: StoreLayout.MetaKey.keyCheck).map { Array($0) } }) ?? nil) ?? []
    }

    /// The whole log, in one snapshot, as commits of `chunk` records each: the records as they
    /// are (the same bytes, so the same chain) and, with each commit, the index entries of its
    /// positions (an id's entry with its event, a stream's number with its first event, a link
    /// with the record that made it, an erasure with its record; the chain head with the last).
    /// A replica that applies them in order holds this store's log. Returns the head.
    @discardableResult
    package func exportCommits(chunk: Int, _ body: (UpstreamCommit) throws -> Void) throws(StoreError) -> UInt64 {
        guard layout.legacyFormat == nil else {
            throw StoreError(.formatOutdated, "this store is in format 1; migrate it into a new folder first (journeyctl migrate --from \(configuration.directory) --data NEW_FOLDER)")
        }
        do {
            return try env.read { txn -> UInt64 in
                let head = try txn.withCursor(layout.events) { c in try c.last().map { Transaction.uint64($0.key) } ?? 0 }
                guard head > 0 else { return 0 }
                let count = Int((head - 1) / UInt64(chunk)) + 1
                var changes = [[UInt8]](repeating: [], count: count)
                func bucket(_ position: UInt64) -> Int { min(count - 1, Int((max(position, 1) - 1) / UInt64(chunk))) }
                func position(_ v: UnsafeRawBufferPointer) -> UInt64 { v.count >= 8 ? Transaction.uint64(UnsafeRawBufferPointer(rebasing: v[(v.count - 8)...])) : 0 }
                // Streams: every (number, position), and each number's first position.
                var first: [UInt64: UInt64] = [:]
                try txn.withCursor(layout.streams) { c in
                    var entry = try c.first()
                    while let e = entry {
                        let n = Transaction.uint64(e.key), p = Transaction.uint64(e.value)
                        if first[n] == nil { first[n] = p }
                        UpstreamChanges.appendPut("streams", e.key, e.value, to: &changes[bucket(p)])
                        entry = try c.next()
                    }
                }
                var numbers: [[UInt8]: UInt64] = [:]
                try txn.withCursor(layout.customers) { c in
                    var entry = try c.first()
                    while let e = entry {
                        let n = Transaction.uint64(e.value)
                        numbers[Array(e.key)] = n
                        UpstreamChanges.appendPut("customers", e.key, e.value, to: &changes[bucket(first[n] ?? head)])
                        entry = try c.next()
                    }
                }
                for (db, name) in [(layout.eventIds, "event-ids"), (layout.erasures, "erasures"), (layout.links, "links")] {
                    try txn.withCursor(db) { c in
                        var entry = try c.first()
                        while let e = entry {
                            UpstreamChanges.appendPut(name, e.key, e.value, to: &changes[bucket(position(e.value))])
                            entry = try c.next()
                        }
                    }
                }
                try txn.withCursor(layout.customerKeys) { c in
                    var entry = try c.first()
                    while let e = entry {
                        let at = numbers[Array(e.key)].flatMap { first[$0] } ?? head
                        UpstreamChanges.appendPut("customer-keys", e.key, e.value, to: &changes[bucket(at)])
                        entry = try c.next()
                    }
                }
                if let chain = try txn.get(layout.meta, key: StoreLayout.MetaKey.chainHead) {
                    UpstreamChanges.appendPut("meta", StoreLayout.MetaKey.chainHead, chain, to: &changes[count - 1])
                }
                for i in 0..<count {
                    let from = UInt64(i * chunk) + 1, to = min(head, UInt64((i + 1) * chunk))
                    var records: [UpstreamRecord] = []
                    records.reserveCapacity(Int(to - from + 1))
                    for p in from...to {
                        guard let raw = try txn.get(layout.events, key: p), let r = RecordView(raw) else {
                            throw StoreError(.corrupt, "the record at position \(p) does not decode; run journeyctl verify")
                        }
                        records.append(UpstreamRecord(position: p, id: r.id, stream: r.streamKey, version: r.version, bytes: Array(raw)))
                    }
                    try body(UpstreamCommit(head: to, records: records, changes: changes[i]))
                }
                return head
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
