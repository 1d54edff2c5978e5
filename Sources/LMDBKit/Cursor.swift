import CLMDB

/// A position in a database, valid only inside ``Transaction/withCursor(_:_:)``.
///
/// Each move returns the entry it lands on as `(key, value)` buffers pointing into the map,
/// or `nil` when there is none (past either end, or no key in range).
public struct Cursor {
    let cursor: OpaquePointer
    let name: String
    /// Keeps the changes made through this cursor (a recorded write transaction), with the
    /// byte naming the database.
    var recorder: (WriteRecorder, UInt8)? = nil

    /// A key and value pointing into the map.
    public typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    @inline(__always)
    private func move(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws -> Entry? {
        var k = MDB_val(mv_size: key?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: key?.baseAddress))
        var v = MDB_val()
        let rc = mdb_cursor_get(cursor, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get(\(name))")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// The first entry.
    public func first() throws -> Entry? { try move(MDB_FIRST) }
    /// The last entry.
    public func last() throws -> Entry? { try move(MDB_LAST) }
    /// The next entry.
    @inline(__always) public func next() throws -> Entry? { try move(MDB_NEXT) }
    /// The previous entry.
    @inline(__always) public func previous() throws -> Entry? { try move(MDB_PREV) }
    /// The entry under the cursor.
    public func current() throws -> Entry? { try move(MDB_GET_CURRENT) }
    /// The entry with exactly `key`.
    public func seek(exactly key: UnsafeRawBufferPointer) throws -> Entry? { try move(MDB_SET_KEY, key: key) }
    /// The first entry whose key is greater than or equal to `key`.
    public func seek(atLeast key: UnsafeRawBufferPointer) throws -> Entry? { try move(MDB_SET_RANGE, key: key) }

    /// The first entry whose big-endian `UInt64` key is ≥ `key`.
    public func seek(atLeast key: UInt64) throws -> Entry? {
        var be = key.bigEndian
        return try withUnsafeBytes(of: &be) { (k) in try seek(atLeast: k) }
    }

    /// The first entry whose key is ≥ `key`.
    public func seek(atLeast key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { (k) in try seek(atLeast: k) }
    }

    // MARK: Duplicates (databases opened with `.dupSort`)

    /// The next value of the current key, or `nil` after its last.
    public func nextDuplicate() throws -> Entry? { try move(MDB_NEXT_DUP) }
    /// The previous value of the current key, or `nil` before its first.
    public func previousDuplicate() throws -> Entry? { try move(MDB_PREV_DUP) }
    /// The last value of the current key.
    public func lastDuplicate() throws -> Entry? { try move(MDB_LAST_DUP) }
    /// The first value of the current key.
    public func firstDuplicate() throws -> Entry? { try move(MDB_FIRST_DUP) }

    /// How many values the current key holds.
    public func duplicateCount() throws -> Int {
        var n = 0
        try check(mdb_cursor_count(cursor, &n), "mdb_cursor_count(\(name))")
        return n
    }

    /// With `.dupFixed`: the values of the current key from the cursor on, a page's worth at a
    /// time (`MDB_GET_MULTIPLE` first, then `MDB_NEXT_MULTIPLE`); `nil` when there are no more.
    public func multiple(first: Bool) throws -> UnsafeRawBufferPointer? {
        try move(first ? MDB_GET_MULTIPLE : MDB_NEXT_MULTIPLE)?.value
    }

    /// Stores a value through the cursor (write transactions only).
    public func put(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: PutFlags = []) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_cursor_put(cursor, &k, &v, flags.rawValue), "mdb_cursor_put(\(name))")
        if let (recorder, code) = recorder, recorder.isOn { recorder.record(.put, code, key, value) }
    }

    /// Deletes the entry under the cursor (write transactions only).
    public func deleteCurrent() throws {
        if let (recorder, code) = recorder, recorder.isOn, let (k, v) = try current() {
            recorder.record(.deleteValue, code, k, v)
        }
        try check(mdb_cursor_del(cursor, 0), "mdb_cursor_del(\(name))")
    }
}
