import CLMDB

/// A named database inside an ``Environment`` (an LMDB `MDB_dbi`).
///
/// Handles are cheap values, valid for the life of the environment once the transaction that
/// opened them has committed. Open them with ``Transaction/openDatabase(_:flags:)``.
public struct Database: Sendable, Hashable {
    let dbi: MDB_dbi
    /// The name it was opened with.
    public let name: String

    init(dbi: MDB_dbi, name: String) {
        self.dbi = dbi
        self.name = name
    }

    /// Flags for opening a database (`mdb_dbi_open`).
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Create the database when missing (write transactions only).
        public static let create = Flags(rawValue: UInt32(MDB_CREATE))
        /// Keys are native-endian `UInt32`/`size_t` integers.
        public static let integerKey = Flags(rawValue: UInt32(MDB_INTEGERKEY))
        /// Several sorted values per key.
        public static let dupSort = Flags(rawValue: UInt32(MDB_DUPSORT))
        /// With `dupSort`: all values have the same size.
        public static let dupFixed = Flags(rawValue: UInt32(MDB_DUPFIXED))
    }
}

/// Flags for ``Transaction/put(_:key:value:flags:)`` (`mdb_put`).
public struct PutFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Fail with `MDB_KEYEXIST` rather than overwrite.
    public static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// The key sorts after every key in the database: append without a search (fast, dense pages).
    /// LMDB refuses with `MDB_KEYEXIST` when it does not.
    public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
    /// With `dupSort`: the value sorts after every value of the key.
    public static let appendDup = PutFlags(rawValue: UInt32(MDB_APPENDDUP))
    /// With `dupSort`: fail rather than store a duplicate value twice.
    public static let noDupData = PutFlags(rawValue: UInt32(MDB_NODUPDATA))
}

/// Entry counts and page usage of a database (`mdb_stat`).
public struct DatabaseStatistics: Sendable, Equatable {
    public var entries: Int
    public var depth: Int
    public var branchPages: Int
    public var leafPages: Int
    public var overflowPages: Int
    public var pageSize: Int
    /// Bytes of the pages the database occupies.
    public var bytes: Int { (branchPages + leafPages + overflowPages) * pageSize }
}
