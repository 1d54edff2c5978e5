import LMDBKit

extension EventStore {
    /// The position of the last event in the log (0 when empty).
    public func headPosition() throws(StoreError) -> UInt64 {
        try read { txn in
            try txn.withCursor(layout.events) { c in
                guard let last = try c.last() else { return 0 }
                return Transaction.uint64(last.key)
            }
        }
    }

    /// Up to `limit` events of the whole log, forward from `position` (default 1) or, with
    /// `backward`, backward from `position` (default: the head).
    public func readLog(from position: UInt64? = nil, backward: Bool = false, limit: Int = 1000) throws(StoreError) -> [StoredEvent] {
        guard limit > 0 else { throw StoreError(.invalidArgument, "limit must be at least 1, got \(limit)") }
        return try read { txn in
            var out: [StoredEvent] = []
            out.reserveCapacity(min(limit, 10_000))
            try txn.withCursor(layout.events) { c in
                var entry: Cursor.Entry?
                if backward {
                    if let position {
                        entry = try c.seek(atLeast: position)
                        if let e = entry, Transaction.uint64(e.key) != position { entry = try c.previous() }
                        if entry == nil { entry = try c.last() }
                    } else {
                        entry = try c.last()
                    }
                    if let e = entry, let position, Transaction.uint64(e.key) > position { entry = nil }
                } else {
                    entry = try c.seek(atLeast: max(position ?? 1, 1))
                }
                while let e = entry, out.count < limit {
                    out.append(try readableEvent(Transaction.uint64(e.key), e.value, in: txn))
                    entry = backward ? try c.previous() : try c.next()
                }
            }
            return out
        }
    }

    /// Up to `limit` events of one customer's stream, forward from version `from` (default 1) or,
    /// with `backward`, backward from version `from` (default: the latest).
    /// An unknown customer has an empty stream.
    public func readStream(
        _ stream: StreamID, from version: UInt64? = nil, backward: Bool = false, limit: Int = 1000
    ) throws(StoreError) -> [StoredEvent] {
        guard limit > 0 else { throw StoreError(.invalidArgument, "limit must be at least 1, got \(limit)") }
        return try read { txn in
            guard let n = try customerNumber(stream, in: txn) else { return [] }
            let positions = try StreamIndex.positions(of: n, in: txn, streams: layout.streams)
            guard !positions.isEmpty else { return [] }
            let count = UInt64(positions.count)
            // Version k is positions[k - 1].
            let versions: [UInt64]
            if backward {
                let start = min(version ?? count, count)
                guard start >= 1 else { return [] }
                let lowest = start >= UInt64(limit) ? start - UInt64(limit) + 1 : 1
                versions = Array(stride(from: start, through: lowest, by: -1))
            } else {
                let start = max(version ?? 1, 1)
                guard start <= count else { return [] }
                versions = Array(start...min(count, start + UInt64(limit) - 1))
            }
            var out: [StoredEvent] = []
            out.reserveCapacity(versions.count)
            for v in versions {
                let position = positions[Int(v - 1)]
                guard let record = try txn.get(layout.events, key: position) else {
                    throw StoreError(.corrupt, "stream index of \(stream) points at missing position \(position)")
                }
                out.append(try readableEvent(position, record, in: txn))
            }
            return out
        }
    }

    /// The number of events in a stream (its current version); 0 when unknown.
    public func streamVersion(_ stream: StreamID) throws(StoreError) -> UInt64 {
        try read { txn in
            guard let n = try customerNumber(stream, in: txn) else { return 0 }
            return try StreamIndex.lastVersion(of: n, in: txn, streams: layout.streams)
        }
    }

    /// The event with this id, or `nil`.
    public func event(id: String) throws(StoreError) -> StoredEvent? {
        let key = EventIDKey(id)
        return try read { txn in
            guard let p = try key.withBytes({ try txn.get(layout.eventIds, key: $0) }) else { return nil }
            let position = Transaction.uint64(p)
            guard let raw = try txn.get(layout.events, key: position), let r = RecordView(raw),
                  r.idBytes.elementsEqual(id.utf8) else { return nil }
            return try readableEvent(position, raw, in: txn)
        }
    }

    /// Calls `body` for every record from `position` on, in log order, reading in snapshots of
    /// `chunk` records so no read transaction stays open long. `body` returns `false` to stop.
    /// The view is valid only during the call. Returns the last position visited (or
    /// `position - 1` when none). With `readable`, sealed properties are opened (or the view is
    /// redacted for an erased customer) as for ``readLog(from:backward:limit:)``.
    @discardableResult
    public func scan(
        from position: UInt64 = 1, chunk: Int = 10_000, readable: Bool = false, _ body: (UInt64, RecordView) throws -> Bool
    ) throws -> UInt64 {
        var next = max(position, 1)
        while true {
            var visited = 0
            var stop = false
            try env.read { txn in
                try txn.withCursor(layout.events) { c in
                    var entry = try c.seek(atLeast: next)
                    while let e = entry, visited < chunk {
                        let p = Transaction.uint64(e.key)
                        guard let r = RecordView(e.value) else {
                            throw StoreError(.corrupt, "the record at position \(p) does not decode; run journeyctl verify")
                        }
                        visited += 1
                        next = p + 1
                        let more = readable && r.isSealed ? try withReadable(r, in: txn) { try body(p, $0) } : try body(p, r)
                        if !more { stop = true; return }
                        entry = try c.next()
                    }
                }
            }
            if stop || visited < chunk { return next - 1 }
        }
    }

    /// A stored event as readers see it (sealed properties opened, or redacted once erased).
    func readableEvent(_ position: UInt64, _ raw: UnsafeRawBufferPointer, in txn: Transaction) throws -> StoredEvent {
        guard let r = RecordView(raw) else {
            throw StoreError(.corrupt, "the record at position \(position) does not decode; run journeyctl verify")
        }
        guard r.isSealed else { return StoredEvent(position: position, record: raw) }
        return StoredEvent(position: position, bytes: try readableBytes(r, in: txn))
    }

    func customerNumber(_ stream: StreamID, in txn: Transaction) throws -> UInt64? {
        try streamNumber(key: stream.key, in: txn)
    }

    func streamNumber(key: [UInt8], in txn: Transaction) throws -> UInt64? {
        guard let v = try txn.get(layout.customers, key: key) else { return nil }
        return Transaction.uint64(v)
    }
}
