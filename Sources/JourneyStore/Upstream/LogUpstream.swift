/// Where the log really is when an ``EventStore`` is a node's copy of it: a shared log
/// (PostgreSQL, see `JourneyPostgres`) that several nodes append to and tail.
///
/// The node's LMDB store then holds a replica of the upstream log (records, indexes, data keys)
/// and the views. Every group commit runs under the upstream's head lock: the replica first
/// takes in what other nodes committed (``UpstreamWrite/commits(after:)``), the group is then
/// checked and applied exactly as on a lone store (ids, expected versions, links, keys), and what
/// it wrote, the records and the index changes, is committed upstream (``UpstreamWrite/commit(_:changes:)``)
/// before the local transaction commits. So positions are the upstream's, every check sees
/// every node's appends, and an append fails whole when the upstream does not take it.
///
/// Calls block the writer thread (never a Swift concurrency thread); failures are
/// `log_unavailable` when retrying may help, `storage_error` otherwise.
package protocol LogUpstream: Sendable {
    /// What to name it in messages (no password).
    var name: String { get }
    /// The upstream's identity and key check, created by the first node (see ``UpstreamIdentity``).
    func identity(proposing proposal: UpstreamIdentity) throws(StoreError) -> UpstreamIdentity
    /// Locks the upstream head for one write, until ``UpstreamWrite/commit(_:changes:)`` or
    /// ``UpstreamWrite/abandon()``.
    func beginWrite() throws(StoreError) -> any UpstreamWrite
    /// Commits after `position` (a commit boundary), oldest first, about `limit` records in
    /// all (at least one commit when there is one); read without the lock.
    func commits(after position: UInt64, limit: Int) throws(StoreError) -> [UpstreamCommit]
}

/// One write to the upstream log, holding its head lock.
package protocol UpstreamWrite: AnyObject {
    /// The upstream head when the lock was taken.
    var head: UInt64 { get }
    /// Every commit after `position` up to ``head`` (what the replica lacks), oldest first.
    func commits(after position: UInt64) throws(StoreError) -> [UpstreamCommit]
    /// Writes `records` (the next ones after ``head`` and those sent before) in the write's
    /// transaction without waiting for it, so the upstream stores them while the writer goes
    /// on; a failure ends the transaction and is what ``commit(_:changes:)`` throws. The
    /// records are read before `send` returns (they point into the writer's transaction).
    func send(_ records: WrittenRecords)
    /// Writes the commit's last `records` (the ones not sent ahead; at least one) and its index
    /// `changes` (``UpstreamChanges``), and commits; the commit's head is the last record's
    /// position. Releases the lock. Throws `log_unavailable` when the upstream was lost, saying
    /// whether the outcome is unknown (the connection broke during `COMMIT`), and
    /// `storage_error` when it refused a statement (this one or a piece sent ahead): then
    /// nothing of the commit is in the upstream.
    func commit(_ records: WrittenRecords, changes: [UInt8]) throws(StoreError)
    /// Releases the lock without writing (a rollback); does nothing after ``commit(_:changes:)``.
    func abandon()
}

/// One upstream commit: the records it appended and the index changes it made (everything the
/// log's LMDB databases changed but `events`), as ``UpstreamChanges`` encodes them.
package struct UpstreamCommit: Sendable {
    /// The head after the commit: its last record's position.
    package var head: UInt64
    /// The records, positions `head - records.count + 1 ... head`.
    package var records: [UpstreamRecord]
    /// ``UpstreamChanges`` bytes.
    package var changes: [UInt8]

    package init(head: UInt64, records: [UpstreamRecord], changes: [UInt8]) {
        self.head = head
        self.records = records
        self.changes = changes
    }
}

/// Records just written by the writer's transaction, for ``UpstreamWrite``: positions
/// `first ..< first + records.count`, each record (``RecordView``, chain hash included) pointing
/// into the transaction, so valid only during the call that receives them.
package struct WrittenRecords {
    package let first: UInt64
    package let records: [UnsafeRawBufferPointer]

    package init(first: UInt64, records: [UnsafeRawBufferPointer]) {
        self.first = first
        self.records = records
    }

    package var count: Int { records.count }
}

/// A record as the upstream stores it, with the columns its indexes need.
package struct UpstreamRecord: Sendable {
    package var position: UInt64
    package var id: String
    /// ``StreamID/key`` of its stream.
    package var stream: [UInt8]
    package var version: UInt64
    /// The record (``RecordView``), chain hash included.
    package var bytes: [UInt8]

    package init(position: UInt64, id: String, stream: [UInt8], version: UInt64, bytes: [UInt8]) {
        self.position = position
        self.id = id
        self.stream = stream
        self.version = version
        self.bytes = bytes
    }
}

/// What a replica checks before it takes anything from an upstream: which log it is (a random
/// id made by the first node, kept in the replica's `meta`, so a replica never mixes two logs)
/// and its master key (the key check of the first node; every node must have the same key).
package struct UpstreamIdentity: Sendable, Equatable {
    package var logId: String
    /// ``StoreLayout`` key check (`fingerprint ‖ sealed check`); empty for an unencrypted log.
    package var keyCheck: [UInt8]

    package init(logId: String, keyCheck: [UInt8]) {
        self.logId = logId
        self.keyCheck = keyCheck
    }
}
