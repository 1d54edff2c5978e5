import Dispatch
import Foundation
public import JourneyStore
public import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The PostgreSQL log as the upstream of a node's LMDB replica (``StoreConfiguration`` with
/// ``PostgresUpstream/attach(to:)``): the node's store checks and applies every group commit under
/// the `journey_head` row lock and ships its records (`journey_events`; a large group's in pieces
/// while it is being applied) and index changes (`journey_commits`) here in the same PostgreSQL
/// transaction, with a `NOTIFY journey_log`.
/// Other nodes take them in by ``EventStore/catchUp()``, woken by ``tail(onCommit:)``.
public final class PostgresUpstream: LogUpstream {
    /// The log (its tables, its primary, its reads and `verify`).
    public let log: PostgresLog
    package let name: String
    /// The channel `NOTIFY`ed after every commit.
    static let channel = "journey_log"

    /// Connects to the log at `configuration` (finding the primary) and creates its tables when
    /// missing.
    public init(_ configuration: PostgresLog.Configuration, name: String? = nil) async throws(StoreError) {
        log = try await PostgresLog(configuration)
        self.name = name ?? "postgres://" + configuration.hosts.map(\.description).joined(separator: ",") + "/" + configuration.database
    }

    /// Connects to the log at `url` (``PostgresLog/Configuration/init(url:)``; named in messages
    /// without its password), its own messages written from `logLevel` up.
    public convenience init(url: String, logLevel: Logger.Level = .info) async throws(StoreError) {
        var configuration = try PostgresLog.Configuration(url: url)
        configuration.logLevel = logLevel
        try await self.init(configuration, name: PostgresLog.Configuration.redacted(url))
    }

    /// `configuration` with this log as its upstream: an ``EventStore`` opened with it is a
    /// node's replica of this log.
    public func attach(to configuration: StoreConfiguration) -> StoreConfiguration {
        var c = configuration
        c.upstream = self
        return c
    }

    /// Closes the connections.
    public func close() async { await log.close() }

    /// Runs `body` in a task and blocks until it ends: for the writer thread (never for a Swift
    /// concurrency thread, which the task may need).
    func blockingCall<R: Sendable>(_ doing: String, _ body: @escaping @Sendable () async throws -> R) throws(StoreError) -> R {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<R, StoreError>?>(nil)
        Task {
            let r: Result<R, StoreError>
            do { r = .success(try await body()) } catch { r = .failure(PostgresLog.storeError(error, doing)) }
            result.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    package func identity(proposing proposal: UpstreamIdentity) throws(StoreError) -> UpstreamIdentity {
        let log = self.log
        return try blockingCall("reading the log's identity") {
            try await log.primary.transaction { db in
                try await db.run("""
                    INSERT INTO journey_meta VALUES ('log-id', \(ByteBuffer(bytes: Array(proposal.logId.utf8)))), ('key-check', \(ByteBuffer(bytes: proposal.keyCheck)))
                    ON CONFLICT (name) DO NOTHING
                    """, logger: log.logger)
                var identity = UpstreamIdentity(logId: "", keyCheck: [])
                for try await (name, value) in try await db.query("SELECT name, value FROM journey_meta", logger: log.logger).decode((String, ByteBuffer).self) {
                    if name == "log-id" { identity.logId = String(buffer: value) }
                    if name == "key-check" { identity.keyCheck = Array(value.readableBytesView) }
                }
                return identity
            }
        }
    }

    package func beginWrite() throws(StoreError) -> any UpstreamWrite { try write() }

    /// Locks the head for one write (``beginWrite()``).
    func write() throws(StoreError) -> Write {
        let session = WriteSession()
        let log = self.log
        Task {
            do {
                try await log.primary.transaction { db in try await Self.serve(session, db, log) }
                session.answer(.ended(.success(())))
            } catch is Abandoned {
                session.answer(.ended(.success(())))
            } catch {
                session.answer(.ended(.failure(PostgresLog.storeError(error, "appending to the log"))))
            }
        }
        switch session.ask(nil) {
        case .locked(let head): return Write(session: session, head: head)
        case .ended(let r):
            session.close(abandoning: false)
            try r.get()
            throw StoreError(.storage, "the log's write transaction ended before it began")
        case .commits: throw StoreError(.storage, "the log's write transaction answered out of turn")
        }
    }

    private struct Abandoned: Error {}

    /// The transaction's side of a write: lock the head, then do what the writer asks.
    ///
    /// Pieces sent ahead are queued on the connection as they come, not each awaited before the
    /// next is written: postgres-nio starts the next statement from its event loop the moment
    /// the previous one ends, without a hop through this task (which, on two busy cores, left
    /// PostgreSQL idle for a scheduling delay between pieces). The commit's statement is queued
    /// behind them, and `COMMIT` (by ``PostgresPrimary/transaction(_:)``) goes only after every
    /// one of them succeeded: a piece refused leaves the transaction aborted, the statements
    /// after it fail, and the first failure is what the writer is told.
    private static func serve(_ session: WriteSession, _ db: PostgresConnection, _ log: PostgresLog) async throws {
        var head: Int64 = 0
        for try await position in try await db.query("SELECT position FROM journey_head WHERE id = 1 FOR UPDATE", logger: log.logger).decode(Int64.self) {
            head = position
        }
        session.answer(.locked(UInt64(head)))
        var ahead: [EventLoopFuture<PostgresQueryResult>] = []
        for await request in session.requests {
            switch request {
            case .commits(let after):
                session.answer(.commits(try await commits(db, log, after: after, through: UInt64(head))))
            case .insert(let statement):
                let piece: EventLoopFuture<PostgresQueryResult> = db.query(statement, logger: log.logger)
                ahead.append(piece)
            case .commit(let statement):
                let final: EventLoopFuture<PostgresQueryResult> = db.query(statement, logger: log.logger)
                for piece in ahead { _ = try await piece.get() }
                _ = try await final.get()
                return
            case .abandon:
                throw Abandoned()
            }
        }
        throw Abandoned()
    }

    /// Commits after `after` through `through` (or, without it, about `limit` records' worth).
    static func commits(_ db: PostgresConnection, _ log: PostgresLog, after: UInt64, through: UInt64? = nil, limit: Int = 0) async throws -> [UpstreamCommit] {
        var heads: [(UInt64, [UInt8])] = []
        let a = Int64(after)
        let query: PostgresQuery = through.map {
            "SELECT head, changes FROM journey_commits WHERE head > \(a) AND head <= \(Int64($0)) ORDER BY head"
        } ?? "SELECT head, changes FROM journey_commits WHERE head > \(a) ORDER BY head LIMIT 1000"
        for try await (head, changes) in try await db.query(query, logger: log.logger).decode((Int64, ByteBuffer).self) {
            let h = UInt64(head)
            if through == nil, !heads.isEmpty, h - after > UInt64(limit) { break }
            heads.append((h, Array(changes.readableBytesView)))
        }
        guard let last = heads.last?.0 else { return [] }
        var records: [UpstreamRecord] = []
        records.reserveCapacity(Int(last - after))
        for try await (position, id, stream, version, record) in try await db.query("""
            SELECT position, event_id, stream, version, record FROM journey_events WHERE position > \(a) AND position <= \(Int64(last)) ORDER BY position
            """, logger: log.logger).decode((Int64, String, ByteBuffer, Int64, ByteBuffer).self) {
            records.append(UpstreamRecord(position: UInt64(position), id: id, stream: Array(stream.readableBytesView), version: UInt64(version),
                                          bytes: Array(record.readableBytesView)))
        }
        var out: [UpstreamCommit] = []
        var i = 0
        for (head, changes) in heads {
            var mine: [UpstreamRecord] = []
            while i < records.count && records[i].position <= head { mine.append(records[i]); i += 1 }
            out.append(UpstreamCommit(head: head, records: mine, changes: changes))
        }
        return out
    }

    /// The statement inserting records ahead of their commit (``UpstreamWrite/send(_:)``): one
    /// `INSERT … unnest`. Built (its parameters encoded) by the writer's thread, so that the
    /// transaction's connection goes from one statement to the next without waiting for it.
    private static func insertStatement(_ records: RecordColumn.Source) -> PostgresQuery {
        "INSERT INTO journey_events (position, event_id, stream, version, record) SELECT * FROM \(unnest: records)"
    }

    /// One commit's remaining rows in one statement (one round trip): its records that did not
    /// go ahead (at least the last, see ``GroupState/shipIfDue()``) with one `INSERT … unnest`,
    /// its index changes, the head (the last record's position and chain hash), the
    /// notification (sent at `COMMIT`). Built by the writer's thread, as ``insertStatement(_:)``.
    private static func writeStatement(_ records: RecordColumn.Source, changes: [UInt8]) -> PostgresQuery {
        let (head, chain, floor) = records.withLast { position, last in
            (position, Array(last[(last.count - RecordView.hashSize)...]), RecordView(last)!.recordedAt.milliseconds)
        }
        return """
            WITH events AS (
                INSERT INTO journey_events (position, event_id, stream, version, record) SELECT * FROM \(unnest: records)),
            commits AS (INSERT INTO journey_commits (head, changes) VALUES (\(Int64(head)), \(ByteBuffer(bytes: changes)))),
            head AS (UPDATE journey_head SET position = \(Int64(head)), chain = \(ByteBuffer(bytes: chain)), recorded_floor = \(floor) WHERE id = 1)
            SELECT pg_notify(\(channel), \(String(head)))
            """
    }

    package func commits(after position: UInt64, limit: Int) throws(StoreError) -> [UpstreamCommit] {
        let log = self.log
        return try blockingCall("reading the log") {
            try await log.primary.withConnection { db in try await Self.commits(db, log, after: position, limit: limit) }
        }
    }

    /// One write, holding the head lock.
    final class Write: UpstreamWrite {
        let session: WriteSession
        let head: UInt64
        private var open = true
        /// Records sent ahead of the commit.
        private(set) var sent = 0

        init(session: WriteSession, head: UInt64) {
            self.session = session
            self.head = head
        }

        func commits(after position: UInt64) throws(StoreError) -> [UpstreamCommit] {
            guard position < head else { return [] }
            switch session.ask(.commits(after: position)) {
            case .commits(let c): return c
            case .ended(let r):
                open = false
                session.close(abandoning: false)
                try r.get()
                throw StoreError(.unavailable, "the log's write transaction ended early; nothing was written; retry")
            case .locked: throw StoreError(.storage, "the log's write transaction answered out of turn")
            }
        }

        func send(_ records: WrittenRecords) {
            guard open, records.count > 0 else { return }
            precondition(records.first == head + UInt64(sent) + 1, "records sent in position order")
            sent += records.count
            session.tell(.insert(PostgresUpstream.insertStatement(.written(records))))
        }

        func commit(_ records: WrittenRecords, changes: [UInt8]) throws(StoreError) {
            precondition(records.count > 0 && records.first == head + UInt64(sent) + 1, "a commit holds the records after those sent ahead, at least one")
            try commit(.written(records), changes: changes)
        }

        /// A whole commit (``importLog(from:chunk:progress:)``): its records follow ``head``.
        func commit(_ commit: UpstreamCommit) throws(StoreError) {
            precondition(sent == 0 && !commit.records.isEmpty && commit.records[0].position == head + 1 && commit.records.last!.position == commit.head)
            try self.commit(.records(commit.records[...]), changes: commit.changes)
        }

        private func commit(_ records: RecordColumn.Source, changes: [UInt8]) throws(StoreError) {
            guard open else { throw StoreError(.unavailable, "the log's write transaction has ended; nothing was written; retry") }
            open = false
            let answer = session.ask(.commit(PostgresUpstream.writeStatement(records, changes: changes)))
            session.close(abandoning: false)
            guard case .ended(let r) = answer else { throw StoreError(.storage, "the log's write transaction answered out of turn") }
            try r.get()
        }

        func abandon() {
            guard open else { return }
            open = false
            session.close(abandoning: true)
        }
    }
}

extension PostgresUpstream {
    /// Opens a node's replica of this log in `configuration.directory` (a new folder, or one this
    /// log's replica was built in before) and takes in everything the log holds. The opening,
    /// which waits for PostgreSQL, runs on a thread of its own.
    public func openReplica(_ configuration: StoreConfiguration) async throws(StoreError) -> EventStore {
        let attached = attach(to: configuration)
        let opened: Result<EventStore, StoreError> = await withCheckedContinuation { c in
            let thread = Thread { c.resume(returning: Result { () throws(StoreError) in try EventStore(attached) }) }
            thread.name = "journey-open"
            thread.start()
        }
        let store = try opened.get()
        do {
            try await store.catchUpFully()
        } catch {
            store.close()
            throw error
        }
        return store
    }
}
