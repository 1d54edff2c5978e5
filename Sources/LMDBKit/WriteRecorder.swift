import CLMDB

/// The changes a write transaction makes, in order, as they are made: for shipping them to
/// another copy of the same environment, which applying them in the same order makes equal
/// (a log's replicas, see the store's upstream log).
///
/// Attach one with ``Environment/write(recording:_:)``; only changes made while ``isOn`` is set
/// are kept, of the databases in ``databases``; a change made while on to a database neither
/// kept nor ``ignored`` stops the process (a copy would silently differ). Used by one writer thread at
/// a time.
///
/// The changes are kept encoded, as they are made (no value per change): for each, in order,
/// `op (1 byte: 1 put, 2 delete, 3 delete one value) ‖ database (1 byte: its index in
/// ``databases``) ‖ key length (UInt32 BE) ‖ key ‖ value length (UInt32 BE) ‖ value` (a delete
/// has an empty value).
public final class WriteRecorder: @unchecked Sendable {
    // Safe to share: only the thread running the write transaction it is attached to touches
    // it, and the transaction is thread-bound (LMDB's rule), so there is never a second thread.

    /// The operation bytes of the encoding.
    public enum Op: UInt8, Sendable {
        /// `key` now holds `value` (in a sorted-duplicates database: `value` was added).
        case put = 1
        /// `key` and all its values were removed.
        case delete = 2
        /// One value of `key` in a sorted-duplicates database was removed.
        case deleteValue = 3
    }

    /// The databases whose changes are kept (names), each named in the encoding by its index.
    public let databases: [String]
    /// Databases whose changes are not kept (names).
    public let ignored: Set<String>
    /// Whether changes are kept now.
    public var isOn = false
    /// The changes kept so far, encoded (see the type's description).
    public private(set) var bytes: [UInt8] = []
    /// Per `MDB_dbi`: the database's byte (``unlisted`` for one neither kept nor ignored),
    /// `ignoredCode`, or `unknownCode` (not looked up yet).
    private var codes: [Int16] = []
    private static let ignoredCode: Int16 = -1, unknownCode: Int16 = -2
    /// The byte of a database neither kept nor ignored: recording a change to it is a bug.
    static let unlisted: UInt8 = 255

    public init(keeping databases: [String], ignoring ignored: Set<String> = []) {
        precondition(databases.count < Int(Self.unlisted) && Set(databases).isDisjoint(with: ignored))
        self.databases = databases
        self.ignored = ignored
    }

    /// Returns the changes kept so far and forgets them.
    public func take() -> [UInt8] {
        let out = bytes
        bytes = []
        bytes.reserveCapacity(out.count)
        return out
    }

    /// The byte naming `db`, or nil when its changes are not kept.
    @inline(__always)
    func code(_ db: Database) -> UInt8? {
        let i = Int(db.dbi)
        if i < codes.count, codes[i] >= 0 { return UInt8(codes[i]) }
        if i < codes.count, codes[i] == Self.ignoredCode { return nil }
        return lookUp(db)
    }

    private func lookUp(_ db: Database) -> UInt8? {
        let i = Int(db.dbi)
        if codes.count <= i { codes.append(contentsOf: repeatElement(Self.unknownCode, count: i + 1 - codes.count)) }
        if let n = databases.firstIndex(of: db.name) {
            codes[i] = Int16(n)
            return UInt8(n)
        }
        if ignored.contains(db.name) {
            codes[i] = Self.ignoredCode
            return nil
        }
        codes[i] = Int16(Self.unlisted)
        return Self.unlisted
    }

    /// Whether a change to `db` now is kept, and under which byte.
    @inline(__always)
    func wants(_ db: Database) -> UInt8? { isOn ? code(db) : nil }

    @inline(__always)
    func record(_ op: Op, _ code: UInt8, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        precondition(code != Self.unlisted, "a recorded transaction changed a database the recorder neither keeps nor ignores")
        Self.append(op, code, key, value, to: &bytes)
    }

    /// Appends one change to `out` in the encoding of ``bytes`` (for changes made without a
    /// recorder: a copy of a whole environment's indexes).
    @inlinable
    public static func append<K: Collection<UInt8>, V: Collection<UInt8>>(_ op: Op, _ code: UInt8, _ key: K, _ value: V, to out: inout [UInt8]) {
        out.append(op.rawValue)
        out.append(code)
        withUnsafeBytes(of: UInt32(key.count).bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: key)
        withUnsafeBytes(of: UInt32(value.count).bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: value)
    }
}
