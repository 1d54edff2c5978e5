import Foundation
package import LMDBKit
import Synchronization

/// The append-only log of customer interaction events, in one LMDB environment (`data.mdb` in
/// the data folder); the views derived from it have an environment of their own beside it
/// (`views/data.mdb`, see ``viewsEnvironment()``), so the log's writer and the views' writer
/// never wait for each other's lock.
///
/// Open one per process and share it: reads run on the caller's thread in short snapshots
/// (many at once); appends go to a single writer thread that group-commits them. Other
/// processes (the CLI next to a running server) may open the same folder and read and write
/// at the same time. Every acknowledged append is on disk unless the store was opened with
/// ``StoreConfiguration/durable`` set to `false`.
public final class EventStore: EventLog {
    /// How the store was opened.
    public let configuration: StoreConfiguration
    let env: Environment
    let layout: StoreLayout
    /// Encrypted stores: the customers' data keys.
    let keys: CustomerKeys?
    let writer: AppendWriter
    /// Head-position notifications for in-process listeners.
    public let commits: CommitNotifier
    private let folderLock: FolderLock
    /// The views' environment, opened on first use (a store only read, e.g. a migration's
    /// source, never gets one).
    let views = Mutex<Environment?>(nil)
    /// How the views' environment is opened (the log's map sizes and durability).
    private let viewsOptions: EnvironmentOptions
    /// This process's hold as a writer of the replica without a flush per commit (see
    /// ``ReplicaFlush``, ``StoreConfiguration/syncReplica``), if it is one.
    private let unflushedWriter: ReplicaFlush.Writer?
    private let closed = Atomic<Bool>(false)
    /// Whether opening found the replica written unflushed before the machine restarted, and
    /// removed it to build it again from the upstream log (``ReplicaFlush``).
    public let discardedUnflushedReplica: Bool
    /// The upstream this folder is a replica of, as recorded in it (`.some(nil)`: not a
    /// replica), read on the first write.
    let replicaRecord = Mutex<String??>(nil)

    /// Opens the store in `configuration.directory`, creating folder and files on first use
    /// unless ``StoreConfiguration/createIfMissing`` is `false`.
    public init(_ configuration: StoreConfiguration) throws(StoreError) {
        let dir = configuration.directory
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: dir, isDirectory: &isDir)
        if exists && !isDir.boolValue {
            throw StoreError(.invalidArgument, "\(dir) is not a folder")
        }
        let hasStore = exists && fm.fileExists(atPath: dir + "/data.mdb")
        if !hasStore && !configuration.createIfMissing {
            throw StoreError(.notFound, "no journey store in \(dir) (append or ingest events first, or pass --data)")
        }
        if !hasStore && configuration.masterKey == nil && !configuration.allowUnencrypted {
            throw StoreLayout.missingKey(new: true, fingerprint: nil)
        }
        if !exists {
            try PrivateFolder.create(dir)
        }
        let folderLock = try FolderLock(directory: dir, exclusive: configuration.exclusive)
        var discarded = false
        let stale = ReplicaFlush.unflushedInAnotherBoot(dir)
        if stale {
            guard configuration.upstream != nil else { throw ReplicaFlush.refusal(dir) }
            // Other processes of this boot would have recorded it: wait out one doing this now.
            // The file stays until the folder is bound again, so a process opening meanwhile waits
            // here (or, after a failure half-way, discards again).
            try folderLock.exclusively(while: { ReplicaFlush.unflushedInAnotherBoot(dir) && Self.hasLogFiles(dir) }, waiting: .seconds(10), busy: StoreError(
                .unavailable, "the replica in \(dir) must be built again from its log (written unflushed before the machine restarted), and another process holds the folder; retry")) { () throws(StoreError) in
                try ReplicaFlush.discardLog(in: dir)
                discarded = true
            }
        }
        var options = EnvironmentOptions()
        options.initialMapSize = configuration.initialMapSize
        options.maximumMapSize = configuration.maximumMapSize
        options.syncOnCommit = configuration.durable
        let env: Environment
        do {
            env = try Environment(path: dir, options: options)
        } catch {
            throw Self.cannotOpen("the store in \(dir)", error)
        }
        let layout: StoreLayout
        let keys: CustomerKeys?
        do {
            (layout, keys) = try StoreLayout.open(env, create: true, opening: .init(
                masterKey: configuration.masterKey, allowUnencrypted: configuration.allowUnencrypted,
                allowLegacy: configuration.allowLegacyFormat))
        } catch {
            env.close()
            throw StoreError.wrap(error)
        }
        var unflushed: ReplicaFlush.Writer?
        if let upstream = configuration.upstream {
            do throws(StoreError) {
                try Self.bind(env, layout: layout, to: upstream, directory: dir)
                // Only a folder bound to its log is written unflushed (and marked so first).
                let boot = ReplicaFlush.currentBoot()
                if let boot, !configuration.durable || !configuration.syncReplica {
                    unflushed = try ReplicaFlush.Writer(directory: dir)
                    try ReplicaFlush.record(boot, in: dir)
                    do { try env.setSyncOnCommit(false) } catch { throw StoreError.wrap(error) }
                } else if stale {
                    // Bound again by a process that flushes: the other boot's file no longer applies.
                    ReplicaFlush.clearIfNoWriter(in: dir, rebuilt: true)
                }
            } catch {
                unflushed?.release()
                env.close()
                throw error
            }
        }
        self.configuration = configuration
        self.folderLock = folderLock
        self.env = env
        self.layout = layout
        self.keys = keys
        self.viewsOptions = options
        self.unflushedWriter = unflushed
        self.discardedUnflushedReplica = discarded
        self.commits = CommitNotifier()
        self.writer = AppendWriter(env: env, layout: layout, keys: keys, identities: configuration.identities, maxEventsPerCommit: configuration.maxEventsPerCommit, notifier: commits,
                                   upstream: configuration.upstream)
        writer.start()
    }

    /// Whether `directory` holds a log environment's files.
    private static func hasLogFiles(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/data.mdb") || FileManager.default.fileExists(atPath: directory + "/lock.mdb")
    }

    /// Convenience: opens the store in `directory` with default settings.
    public convenience init(directory: String) throws(StoreError) {
        try self.init(StoreConfiguration(directory: directory))
    }

    /// Finishes queued appends, then closes LMDB. Later calls fail with `store_closed`.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        writer.stop()
        commits.finish()
        views.withLock { $0?.close() }
        // A replica no process writes unflushed any more is flushed and its file removed, by
        // whichever process closes it (see ``ReplicaFlush``).
        unflushedWriter?.release()
        ReplicaFlush.clearIfNoWriter(in: configuration.directory)
        env.close()
        folderLock.release()
    }

    /// Whether the store seals `properties` under per-customer keys (and so can erase customers).
    public var isEncrypted: Bool { keys != nil }

    /// The store's format as recorded now (4; 3 until the journey layer has moved its views out;
    /// 1 for a format-1 store opened as a migration's source).
    public var format: Int {
        if let legacy = layout.legacyFormat { return Int(legacy) }
        return Int((try? read { txn in try layout.storedFormat(in: txn) }) ?? StoreLayout.formatVersion)
    }

    /// Brings a format-3 store to format 4: runs `move` (which moves the views out of the log's
    /// file) in a write transaction of the log and records format 4 in the same transaction.
    /// Needs the store to itself: while another process has it open (an earlier build's server,
    /// say, which would lose its views) it waits up to 2 s, then fails with a message saying
    /// what to stop. Does nothing on a format-4 store, or on a migration's source.
    package func upgradeToFormatFour(_ move: (Transaction) throws -> Void) throws(StoreError) {
        guard layout.legacyFormat == nil, try read({ txn in try layout.storedFormat(in: txn) }) < 4 else { return }
        func upgrade() throws(StoreError) {
            do {
                try env.write { txn in
                    guard try layout.storedFormat(in: txn) < 4 else { return }
                    try move(txn)
                    try layout.setFormat(4, in: txn)
                }
            } catch {
                throw StoreError.wrap(error)
            }
        }
        // Opened exclusively already (compaction), the lock stays so (see FolderLock).
        try folderLock.exclusively(waiting: .seconds(2), busy: StoreError(
            .invalidArgument,
            "this store (\(configuration.directory)) is in format 3 and must become format 4, its views moving into views/data.mdb; that needs it to itself, and another process has it open (a server or command of an earlier build?). Stop it, then run any journeyctl command or start the server again")) { () throws(StoreError) in
            try upgrade()
        }
    }

    /// The log's LMDB environment (`data.mdb`).
    package var environment: Environment { env }

    /// The folder of the views' environment: `views` in the data folder.
    public static func viewsDirectory(_ directory: String) -> String { directory + "/views" }

    /// The views' LMDB environment (`views/data.mdb`), created on first use with the log's map
    /// sizes and durability. Its contents belong to the journey layer; the store only copies,
    /// compacts and restores it together with the log.
    package func viewsEnvironment() throws(StoreError) -> Environment {
        do {
            return try views.withLock { v in
                if let v { return v }
                let dir = Self.viewsDirectory(configuration.directory)
                if !FileManager.default.fileExists(atPath: dir) { try PrivateFolder.create(dir) }
                let e = try Environment(path: dir, options: viewsOptions)
                v = e
                return e
            }
        } catch {
            throw Self.cannotOpen("the views in \(Self.viewsDirectory(configuration.directory))", error)
        }
    }

    /// An environment that did not open, as a `storage_error` naming what (LMDB's reason kept).
    private static func cannotOpen(_ what: String, _ error: any Error) -> StoreError {
        guard let e = error as? LMDBError else { return StoreError.wrap(error) }
        var err = StoreError.storage(e)
        err.message = "cannot open \(what): \(e.description)"
        return err
    }

    /// Flushes both files to disk (after work done with ``StoreConfiguration/durable`` off).
    package func sync() throws(StoreError) {
        do {
            try env.sync()
            try views.withLock { try $0?.sync() }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Closes the views' environment if it is open (before its file is replaced).
    func closeViewsEnvironment() {
        views.withLock { v in v?.close(); v = nil }
    }

    /// Runs `body` in a read snapshot, mapping LMDB failures to `storage_error`.
    func read<R>(_ body: (Transaction) throws -> R) throws(StoreError) -> R {
        do {
            return try env.read(body)
        } catch {
            throw StoreError.wrap(error)
        }
    }
}

extension EventStore {
    /// The linked LMDB's version, e.g. "LMDB 0.9.24: (July 24, 2019)".
    public static var lmdbVersion: String { Environment.version }
}

extension EventStore {
    /// Counters of this process's group-commit writer (commits, requests, events, time).
    public var writerMetrics: WriterMetrics { writer.counters.snapshot }
}
