import CLMDB

/// A transaction, valid only inside the closure that received it
/// (``Environment/read(_:)`` or ``Environment/write(_:)``).
///
/// Buffers returned by `get` and by cursors point straight into the memory map: they are valid
/// until the transaction ends or (in a write transaction) until the next write. Copy what must
/// outlive it. Never `await` while holding one.
public struct Transaction {
    let txn: OpaquePointer
    /// Whether this is a write transaction.
    public let isWrite: Bool
    /// Keeps this write transaction's changes, when one is attached.
    let recorder: WriteRecorder?

    init(txn: OpaquePointer, isWrite: Bool, recorder: WriteRecorder? = nil) {
        self.txn = txn
        self.isWrite = isWrite
        self.recorder = recorder
    }

    /// LMDB's transaction id: increases by one with every committed write transaction.
    public var id: Int { mdb_txn_id(txn) }

    /// Opens (and with `.create`, creates) a named database. In a write transaction the handle
    /// becomes usable by other transactions once this one commits.
    public func openDatabase(_ name: String, flags: Database.Flags = []) throws -> Database {
        var dbi: MDB_dbi = 0
        let rc = name.withCString { mdb_dbi_open(txn, $0, flags.rawValue, &dbi) }
        try check(rc, "mdb_dbi_open(\(name))")
        return Database(dbi: dbi, name: name)
    }

    /// The value stored under `key`, or `nil`. The buffer points into the map.
    @inline(__always)
    public func get(_ db: Database, key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(txn, db.dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get(\(db.name))")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    /// Stores `value` under `key`.
    @inline(__always)
    public func put(_ db: Database, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: PutFlags = []) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_put(txn, db.dbi, &k, &v, flags.rawValue), "mdb_put(\(db.name))")
        if let recorder, let code = recorder.wants(db) { recorder.record(.put, code, key, value) }
    }

    /// Reserves `count` bytes under `key` and lets `fill` write them in place (`MDB_RESERVE`):
    /// the value is written once, straight into its page.
    @inline(__always)
    public func reserve<R>(
        _ db: Database, key: UnsafeRawBufferPointer, count: Int, flags: PutFlags = [],
        _ fill: (UnsafeMutableRawBufferPointer) throws -> R
    ) throws -> R {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: count, mv_data: nil)
        try check(mdb_put(txn, db.dbi, &k, &v, flags.rawValue | UInt32(MDB_RESERVE)), "mdb_put(\(db.name), reserve)")
        let out = UnsafeMutableRawBufferPointer(start: v.mv_data, count: count)
        let result = try fill(out)
        if let recorder, let code = recorder.wants(db) { recorder.record(.put, code, key, UnsafeRawBufferPointer(out)) }
        return result
    }

    /// Deletes `key`; returns whether it existed.
    @discardableResult
    public func delete(_ db: Database, key: UnsafeRawBufferPointer) throws -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = mdb_del(txn, db.dbi, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "mdb_del(\(db.name))")
        if let recorder, let code = recorder.wants(db) { recorder.record(.delete, code, key, UnsafeRawBufferPointer(start: nil, count: 0)) }
        return true
    }

    /// Deletes one duplicate (`key`, `value`) of a sorted-duplicates database; returns whether
    /// it existed.
    @discardableResult
    public func delete(_ db: Database, key: [UInt8], value: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { kb in
            try value.withUnsafeBytes { vb in
                var k = MDB_val(mv_size: kb.count, mv_data: UnsafeMutableRawPointer(mutating: kb.baseAddress))
                var v = MDB_val(mv_size: vb.count, mv_data: UnsafeMutableRawPointer(mutating: vb.baseAddress))
                let rc = mdb_del(txn, db.dbi, &k, &v)
                if rc == MDB_NOTFOUND { return false }
                try check(rc, "mdb_del(\(db.name))")
                if let recorder, let code = recorder.wants(db) { recorder.record(.deleteValue, code, kb, vb) }
                return true
            }
        }
    }

    /// Empties the database; with `delete`, also removes it from the environment.
    public func drop(_ db: Database, delete: Bool = false) throws {
        precondition(recorder.map { $0.wants(db) == nil } ?? true, "drop(\(db.name)) in a recorded transaction")
        try check(mdb_drop(txn, db.dbi, delete ? 1 : 0), "mdb_drop(\(db.name))")
    }

    /// Entry count and page usage.
    public func statistics(_ db: Database) throws -> DatabaseStatistics {
        var s = MDB_stat()
        try check(mdb_stat(txn, db.dbi, &s), "mdb_stat(\(db.name))")
        return DatabaseStatistics(
            entries: s.ms_entries, depth: Int(s.ms_depth), branchPages: s.ms_branch_pages,
            leafPages: s.ms_leaf_pages, overflowPages: s.ms_overflow_pages, pageSize: Int(s.ms_psize))
    }

    /// Runs `body` with a cursor over `db`; the cursor is closed when `body` returns.
    @inline(__always)
    public func withCursor<R>(_ db: Database, _ body: (inout Cursor) throws -> R) throws -> R {
        var c: OpaquePointer?
        try check(mdb_cursor_open(txn, db.dbi, &c), "mdb_cursor_open(\(db.name))")
        var cursor = Cursor(cursor: c!, name: db.name, recorder: recorder.flatMap { r in r.code(db).map { (r, $0) } })
        defer { mdb_cursor_close(c) }
        return try body(&cursor)
    }
}

extension Transaction {
    /// `get` with a big-endian `UInt64` key.
    @inline(__always)
    public func get(_ db: Database, key: UInt64) throws -> UnsafeRawBufferPointer? {
        var be = key.bigEndian
        return try withUnsafeBytes(of: &be) { (k) in try get(db, key: k) }
    }

    /// `get` with a byte-array key.
    @inline(__always)
    public func get(_ db: Database, key: [UInt8]) throws -> UnsafeRawBufferPointer? {
        try key.withUnsafeBytes { (k) in try get(db, key: k) }
    }

    /// `put` with byte-array key and value.
    @inline(__always)
    public func put(_ db: Database, key: [UInt8], value: [UInt8], flags: PutFlags = []) throws {
        try key.withUnsafeBytes { (k) in
            try value.withUnsafeBytes { (v) in try put(db, key: k, value: v, flags: flags) }
        }
    }

    /// `delete` with a byte-array key.
    @discardableResult
    public func delete(_ db: Database, key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { try delete(db, key: $0) }
    }
}
