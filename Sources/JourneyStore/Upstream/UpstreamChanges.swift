import LMDBKit

/// The index changes of one commit, as bytes for the upstream (``UpstreamCommit/changes``):
/// what a ``WriteRecorder`` keeping ``databases`` records, for each change, in order, `op (1
/// byte) ‖ database (1 byte) ‖ key length (UInt32 BE) ‖ key ‖ value length (UInt32 BE) ‖ value`.
/// A replica that applies every commit's changes in order has the same indexes as the node
/// that made them (customer numbers included).
enum UpstreamChanges {
    /// The log's databases that changes may touch, by their byte (`events` is never among
    /// them: records travel as rows). The order is the format's: never change it.
    static let databases = ["customers", "streams", "event-ids", "meta", "customer-keys", "erasures", "links"]

    private typealias Op = WriteRecorder.Op

    /// A recorder of a node's group commits: every change to the log's databases but `events`.
    static func recorder() -> WriteRecorder { WriteRecorder(keeping: databases, ignoring: ["events"]) }

    /// Appends a put of `key` → `value` in `db` to `out` (what a recorder would have recorded).
    static func appendPut<K: Collection<UInt8>, V: Collection<UInt8>>(_ db: String, _ key: K, _ value: V, to out: inout [UInt8]) {
        WriteRecorder.append(.put, UInt8(databases.firstIndex(of: db)!), key, value, to: &out)
    }

    /// Applies `bytes` in `txn`; calls `tombstone` with each `customer-keys` key set to a
    /// tombstone (an erasure), for the key cache. Throws `corrupt_store` on bytes that do not decode.
    static func apply(_ bytes: [UInt8], layout: StoreLayout, in txn: Transaction, at head: UInt64, tombstone: ([UInt8]) -> Void) throws {
        let dbs = [layout.customers, layout.streams, layout.eventIds, layout.meta, layout.customerKeys, layout.erasures, layout.links]
        var i = 0
        func bad() -> StoreError { StoreError(.corrupt, "the upstream log's index changes of the commit ending at position \(head) do not decode (at byte \(i))") }
        func u32() throws -> Int {
            guard i + 4 <= bytes.count else { throw bad() }
            defer { i += 4 }
            return Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
        }
        func slice(_ n: Int) throws -> [UInt8] {
            guard n >= 0, i + n <= bytes.count else { throw bad() }
            defer { i += n }
            return Array(bytes[i..<(i + n)])
        }
        while i < bytes.count {
            guard i + 2 <= bytes.count, let op = Op(rawValue: bytes[i]), Int(bytes[i + 1]) < dbs.count else { throw bad() }
            let db = dbs[Int(bytes[i + 1])]
            i += 2
            let key = try slice(try u32())
            let value = try slice(try u32())
            switch op {
            case .put:
                try txn.put(db, key: key, value: value)
                if db == layout.customerKeys, value.first == CustomerKeys.erased { tombstone(key) }
            case .delete: try txn.delete(db, key: key)
            case .deleteValue: try txn.delete(db, key: key, value: value)
            }
        }
    }
}
