import LMDBKit

extension EventStore {
    public func snapshot<R>(_ body: (any LogSnapshot) throws -> R) throws -> R {
        try env.read { txn in try body(LMDBLogSnapshot(store: self, txn: txn)) }
    }

    /// Both files' commits: the log's (appends) and, once opened, the views' (projections).
    public var storageCounters: StorageCounters {
        let c = env.commitCounters
        let v = views.withLock { $0?.commitCounters } ?? (transactions: 0, synced: 0, commitSeconds: 0)
        return StorageCounters(transactions: c.transactions + v.transactions, synced: c.synced + v.synced,
                               commitSeconds: c.commitSeconds + v.commitSeconds)
    }

    public var limits: EventLimits { configuration.limits }
}

/// A read transaction of the LMDB log, as a ``LogSnapshot``.
struct LMDBLogSnapshot: LogSnapshot {
    let store: EventStore
    let txn: Transaction

    func headPosition() throws -> UInt64 { try store.headPosition(in: txn) }
    func record(at position: UInt64) throws -> RecordView? { try store.record(at: position, in: txn) }
    func forEachRecord(from position: UInt64, _ body: (UInt64, RecordView) throws -> Bool) throws {
        try store.forEachRecord(from: position, in: txn, body)
    }
    func forEachStreamRecord(key: [UInt8], upTo: UInt64, _ body: (UInt64, RecordView) throws -> Void) throws -> Int {
        try store.forEachStreamRecord(key: key, upTo: upTo, in: txn, body)
    }
    func hasStream(_ stream: StreamID) throws -> Bool { try store.hasStream(stream, in: txn) }
    func links(of key: [UInt8]) throws -> [(key: [UInt8], position: UInt64)] {
        try LinkIndex(db: store.layout.links, txn: txn).edges(of: key).map { ($0.other, $0.position) }
    }
    func openProperties(of r: RecordView) throws -> [UInt8]? { try store.openProperties(of: r, in: txn) }
    func withReadable<R>(_ r: RecordView, _ body: (RecordView) throws -> R) throws -> R { try store.withReadable(r, in: txn, body) }
    func erasure(of stream: StreamID) throws -> (position: UInt64, erasedAt: Timestamp)? { try store.erasure(of: stream, in: txn) }
    func erasedCustomers() throws -> [[UInt8]: UInt64] { try store.erasedCustomers(in: txn) }
    func erasureCount() throws -> Int { try store.erasureCount(in: txn) }
}
