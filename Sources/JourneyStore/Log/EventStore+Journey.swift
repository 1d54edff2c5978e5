import LMDBKit

/// Reads inside one LMDB read transaction: what ``LMDBLogSnapshot`` offers the layers above.
extension EventStore {
    /// Runs `body` in a read snapshot of the store's environment.
    func readTransaction<R>(_ body: (Transaction) throws -> R) throws -> R {
        try env.read(body)
    }

    /// The head position as seen by `txn`.
    func headPosition(in txn: Transaction) throws -> UInt64 {
        try txn.withCursor(layout.events) { c in
            guard let last = try c.last() else { return 0 }
            return Transaction.uint64(last.key)
        }
    }

    /// The record at `position` as seen by `txn`.
    func record(at position: UInt64, in txn: Transaction) throws -> RecordView? {
        guard let raw = try txn.get(layout.events, key: position) else { return nil }
        return RecordView(raw)
    }

    /// Calls `body` for each record from `position` on, in log order, inside `txn`, until it
    /// returns `false`.
    func forEachRecord(from position: UInt64, in txn: Transaction, _ body: (UInt64, RecordView) throws -> Bool) throws {
        try txn.withCursor(layout.events) { c in
            var entry = try c.seek(atLeast: max(position, 1))
            while let e = entry {
                let p = Transaction.uint64(e.key)
                guard let r = RecordView(e.value) else {
                    throw StoreError(.corrupt, "the record at position \(p) does not decode; run journeyctl verify")
                }
                if try !body(p, r) { return }
                entry = try c.next()
            }
        }
    }

    /// Calls `body` for each record of the stream with key `key` with position ≤ `upTo`, in
    /// stream order, inside `txn`. Returns how many there were (0 for an unknown stream).
    @discardableResult
    func forEachStreamRecord(
        key: [UInt8], upTo: UInt64 = .max, in txn: Transaction, _ body: (UInt64, RecordView) throws -> Void
    ) throws -> Int {
        guard let n = try streamNumber(key: key, in: txn) else { return 0 }
        var count = 0
        for p in try StreamIndex.positions(of: n, in: txn, streams: layout.streams) where p <= upTo {
            guard let raw = try txn.get(layout.events, key: p), let r = RecordView(raw) else {
                throw StoreError(.corrupt, "a stream index points at missing position \(p)")
            }
            try body(p, r)
            count += 1
        }
        return count
    }

    /// Whether the store has ever seen the stream.
    /// Whether the log knows the id: it has a stream, or (a visitor whose events all named
    /// their customer too) it is linked to one now.
    func hasStream(_ stream: StreamID, in txn: Transaction) throws -> Bool {
        try customerNumber(stream, in: txn) != nil || LinkIndex(db: layout.links, txn: txn).count(of: stream.key) > 0
    }
}
