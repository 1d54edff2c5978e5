/// How an ``EventStore`` is opened. Every field has a documented default.
public struct StoreConfiguration: Sendable, Equatable {
    /// The data folder (default `./data`). Holds LMDB's `data.mdb` and `lock.mdb`.
    public var directory: String
    /// Create the folder and the store when missing (default `true`). When `false`, opening a
    /// folder without a store fails with `not_found` instead of creating one.
    public var createIfMissing: Bool = true
    /// Flush every commit to disk before acknowledging it (default `true`: an acknowledged event
    /// is on disk). `false` is the opt-in bulk mode (`MDB_NOSYNC`): much faster commits, but an
    /// operating-system crash or power loss before the next flush can lose acknowledged events
    /// and corrupt the store. A crash of the process alone loses nothing. Flush with
    /// `environment.sync()`; use it only for loads that can be redone.
    public var durable: Bool = true
    /// On a node (``upstream`` set), flush every commit of the replica to disk (default `false`).
    /// The log upstream holds every acknowledged event on its primary and a synchronous standby;
    /// the replica is a copy of it. Unflushed, a crash of the process loses nothing, and after a
    /// crash of the machine the replica is found out on opening (``EventStore/discardedUnflushedReplica``)
    /// and built again from the log (see `ReplicaFlush`); `true` flushes each commit as a lone
    /// store does, so a node's replica survives a power loss and only catches up (slower
    /// appends: PostgreSQL waits for the flush between groups), provided no other process writes
    /// the same folder unflushed meanwhile. The views are flushed either way. A machine without a
    /// boot id (`/proc/sys/kernel/random/boot_id`) always flushes.
    public var syncReplica: Bool = false
    /// First map size in bytes (default 1 GiB); the map grows by itself.
    public var initialMapSize: Int = 1 << 30
    /// Largest map size in bytes (default 1 TiB).
    public var maximumMapSize: Int = 1 << 40
    /// Most events written in one group commit (default 100,000). Queued appends are merged
    /// up to this size: larger commits rewrite fewer index pages per event, but hold LMDB's
    /// write lock longer. A single append larger than this still goes through whole.
    public var maxEventsPerCommit: Int = 100_000
    /// Open for exclusive use (default `false`): fails while any other process has the store
    /// open. Used by operations that replace the store's files.
    public var exclusive: Bool = false
    /// Limits every event must respect.
    public var limits: EventLimits = EventLimits()
    /// The master key (default none). A store created with one seals every event's
    /// `properties` under a per-customer data key wrapped by it, and can erase customers; an
    /// encrypted store refuses to open without its key, or with another one.
    public var masterKey: MasterKey?
    /// Whether a new store may be created without a master key (default `true` in the library;
    /// `journeyctl` and the server require `--unencrypted` for that).
    public var allowUnencrypted: Bool = true
    /// How identities may link (see ``IdentityRules``).
    public var identities = IdentityRules()
    /// Open a format-1 store (before encryption) for reading, as a migration's source
    /// (default `false`: such a store is refused with `format_outdated`).
    public var allowLegacyFormat: Bool = false
    /// Where the log really is when this store is a node's copy of a shared log (default none:
    /// the store is the log). See ``LogUpstream``: appends then commit upstream first, and
    /// ``EventStore/catchUp()`` takes in other nodes' commits.
    package var upstream: (any LogUpstream)?

    public init(directory: String = "./data") {
        self.directory = directory
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.directory == b.directory && a.createIfMissing == b.createIfMissing && a.durable == b.durable && a.syncReplica == b.syncReplica
            && a.initialMapSize == b.initialMapSize && a.maximumMapSize == b.maximumMapSize
            && a.maxEventsPerCommit == b.maxEventsPerCommit && a.exclusive == b.exclusive && a.limits == b.limits
            && a.masterKey == b.masterKey && a.allowUnencrypted == b.allowUnencrypted && a.identities == b.identities
            && a.allowLegacyFormat == b.allowLegacyFormat && a.upstream?.name == b.upstream?.name
    }
}
