/// How an ``Environment`` is opened. Every field has a default suited to the journey store.
public struct EnvironmentOptions: Sendable, Equatable {
    /// The map size to start with, in bytes (default 1 GiB). The map grows by itself when a
    /// write transaction fills it (see ``maximumMapSize``), so this only sets the first step.
    public var initialMapSize: Int = 1 << 30
    /// The largest the map may grow to, in bytes (default 1 TiB). A write that would need more
    /// fails with `MDB_MAP_FULL`.
    public var maximumMapSize: Int = 1 << 40
    /// Named databases the environment can hold (default 64).
    public var maxDatabases: UInt32 = 64
    /// Concurrent read transactions across all processes sharing the environment (default 512).
    public var maxReaders: UInt32 = 512
    /// Flush to disk on every commit (default `true`). `false` sets `MDB_NOSYNC`: commits are
    /// fast, but an operating-system crash or power loss may undo the last transactions
    /// (the file stays consistent). Call ``Environment/sync()`` to flush at a point of your choice.
    public var syncOnCommit: Bool = true
    /// Open read-only (`MDB_RDONLY`): no write transaction may begin.
    public var readOnly: Bool = false
    /// File mode for newly created files (default 0o640).
    public var fileMode: UInt32 = 0o640

    public init() {}
}
