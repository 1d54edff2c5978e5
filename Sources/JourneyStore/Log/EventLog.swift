import Dispatch

/// The log as every layer above the storage sees it: append (group commit, optimistic
/// concurrency per stream, permanent idempotency), erase, read by position and by stream,
/// subscribe to commits, verify. No storage type appears in it: the embedded LMDB store
/// (``EventStore``) implements it, and a second backend (PostgreSQL) can.
///
/// The projections, the server and the CLI use this protocol only; what is particular to one
/// backend (backup, compaction of the LMDB file) stays on that backend's type. Writing is
/// ``BatchAppender/submit(_:preparingOn:)``: the one way into the log (validation, encoding
/// and sealing run on the caller's thread or on the given serial queue, their failure is the
/// ticket's result, and work queued one after another commits in that order); the rest of the
/// ways to write are built on it (`EventLog+Writing.swift`).
public protocol EventLog: BatchAppender, AnyObject {
    /// Whether `properties` are sealed under per-customer keys (and customers can be erased).
    var isEncrypted: Bool { get }
    /// Commits made by this process, for in-process listeners (workers, read-your-writes, tails).
    var commits: CommitNotifier { get }
    /// Counters of this process's group-commit writer.
    var writerMetrics: WriterMetrics { get }
    /// Counters of the storage's own commits (every write transaction of this process).
    var storageCounters: StorageCounters { get }

    /// The position of the last event (0 when empty).
    func headPosition() throws(StoreError) -> UInt64
    /// Up to `limit` events of the whole log, forward from `position` (default 1) or, with
    /// `backward`, backward from `position` (default: the head). Sealed properties are opened;
    /// an erased customer's events come back redacted.
    func readLog(from position: UInt64?, backward: Bool, limit: Int) throws(StoreError) -> [StoredEvent]
    /// Up to `limit` events of one stream, by version (see ``readLog(from:backward:limit:)``).
    func readStream(_ stream: StreamID, from version: UInt64?, backward: Bool, limit: Int) throws(StoreError) -> [StoredEvent]
    /// A stream's current version (its event count); 0 for an unknown stream.
    func streamVersion(_ stream: StreamID) throws(StoreError) -> UInt64
    /// The ids linked to `stream` now, it first, each with the record that linked it.
    func identities(of stream: StreamID) throws(StoreError) -> [LinkedIdentity]
    /// The event with this id, or `nil`.
    func event(id: String) throws(StoreError) -> StoredEvent?
    /// Erasures, oldest first (or only `customerId`'s): the audit of erasures.
    func erasures(customerId: String?) throws(StoreError) -> [ErasureRecord]
    /// Size and counts.
    func statistics() throws(StoreError) -> StoreStatistics
    /// Walks the whole log: positions, encoding, the hash chain, and (with `sealed`) every seal.
    func verify(sealed: Bool, chunk: Int, progress: ((UInt64) -> Void)?) throws(StoreError) -> VerifyReport
    /// Calls `body` for every record from `position` on, in log order, in snapshots of `chunk`
    /// records, until it returns `false`; returns the last position visited. With `readable`,
    /// sealed properties are opened (or the record is redacted) as for reads.
    @discardableResult
    func scan(from position: UInt64, chunk: Int, readable: Bool, _ body: (UInt64, RecordView) throws -> Bool) throws -> UInt64
    /// Runs `body` with a consistent snapshot of the log, for readers whose reads must agree
    /// (projections, time travel). Records handed out are valid during `body` only.
    func snapshot<R>(_ body: (any LogSnapshot) throws -> R) throws -> R
    /// Takes in everything other nodes appended to the shared log this one is a replica of
    /// (``StoreConfiguration/upstream``); returns at once for a lone store.
    func catchUpFully() async throws(StoreError)
    /// Finishes queued work and closes the log; later calls fail with `store_closed`.
    func close()
}

/// Counters of the storage's own commits.
public struct StorageCounters: Sendable, Equatable {
    /// Write transactions committed by this process (appends and, for LMDB, projections).
    public var transactions: Int
    /// Commits flushed to disk.
    public var synced: Int
    /// Time spent committing, in seconds.
    public var commitSeconds: Double
}
