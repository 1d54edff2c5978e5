import CLMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An open LMDB environment: one memory-mapped data file shared by every thread of this process
/// and by other processes that open the same folder.
///
/// Transactions are closure-scoped and synchronous: ``read(_:)`` for snapshots (many at once,
/// `MDB_NOTLS`, so any thread may run one), ``write(_:)`` for the single writer LMDB allows at a
/// time across all processes. The map grows by itself: a write that fills it is aborted, the map
/// is enlarged, and the write runs again; a size grown by another process is adopted the same way.
public final class Environment: @unchecked Sendable {
    // Safe to share: MDB_env is thread-safe for the calls made here (NOTLS read transactions,
    // one write transaction at a time enforced by LMDB's own lock), the reader pool is behind a
    // Mutex, and every re-map is serialised by `remap` against all transactions of this process.
    let env: OpaquePointer
    private let remap = RemapLock()
    private let pool = Mutex<[PooledReader]>([])
    private let closed = Atomic<Bool>(false)
    private let transactionCount = Atomic<Int>(0)
    private let syncedCount = Atomic<Int>(0)
    private let commitNanoseconds = Atomic<Int>(0)

    /// Write transactions committed by this process, how many of them were flushed to disk
    /// (synced), and the time spent committing (writing pages and fsync).
    public var commitCounters: (transactions: Int, synced: Int, commitSeconds: Double) {
        (transactionCount.load(ordering: .relaxed), syncedCount.load(ordering: .relaxed),
         Double(commitNanoseconds.load(ordering: .relaxed)) / 1e9)
    }
    /// The options the environment was opened with.
    public let options: EnvironmentOptions
    /// The folder holding `data.mdb` and `lock.mdb`.
    public let path: String

    /// Opens (creating the files when missing) the environment in the folder `path`, which must exist.
    public init(path: String, options: EnvironmentOptions = EnvironmentOptions()) throws {
        var e: OpaquePointer?
        try check(mdb_env_create(&e), "mdb_env_create")
        guard let e else { throw LMDBError(code: ENOMEM, operation: "mdb_env_create") }
        do {
            try check(mdb_env_set_maxdbs(e, options.maxDatabases), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(e, options.maxReaders), "mdb_env_set_maxreaders")
            try check(mdb_env_set_mapsize(e, options.initialMapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if !options.syncOnCommit { flags |= UInt32(MDB_NOSYNC) }
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            try check(mdb_env_open(e, path, flags, mdb_mode_t(options.fileMode)), "mdb_env_open(\(path))")
        } catch {
            mdb_env_close(e)
            throw error
        }
        self.env = e
        self.options = options
        self.path = path
        // Clear reader slots left by processes that died (e.g. SIGKILL) so they pin no pages.
        var dead: Int32 = 0
        _ = mdb_reader_check(e, &dead)
    }

    deinit { close() }

    /// Closes the environment. Every transaction must have ended; further calls do nothing.
    public func close() {
        if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
        remap.lockExclusive()
        pool.withLock { txns in
            for t in txns { mdb_txn_abort(t.txn) }
            txns.removeAll()
        }
        mdb_env_close(env)
        remap.unlock()
    }

    // MARK: - Transactions

    /// Runs `body` in a read-only snapshot. Do not start another transaction inside `body`.
    @inline(__always)
    public func read<R>(_ body: (Transaction) throws -> R) throws -> R {
        while true {
            guard let t = try begin(readOnly: true) else { continue }
            defer {
                mdb_txn_reset(t)
                let kept = pool.withLock { txns -> Bool in
                    guard txns.count < 64 else { return false }
                    txns.append(PooledReader(txn: t))
                    return true
                }
                if !kept { mdb_txn_abort(t) }
                remap.unlock()
            }
            return try body(Transaction(txn: t, isWrite: false))
        }
    }

    /// Begins a transaction (a pooled reader renewed, for reads) with the map lock held shared;
    /// the caller unlocks it when the transaction ends. `nil` when another process grew the map:
    /// its size is adopted, and the caller begins again.
    private func begin(readOnly: Bool) throws -> OpaquePointer? {
        remap.lockShared()
        var txn: OpaquePointer? = readOnly ? pool.withLock { $0.popLast() }?.txn : nil
        var rc: Int32
        if let t = txn {
            rc = mdb_txn_renew(t)
            if rc != 0 { mdb_txn_abort(t); txn = nil }
        } else {
            rc = mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn)
        }
        if rc == MDB_MAP_RESIZED {
            remap.unlock()
            try adoptMapSize()
            return nil
        }
        guard rc == 0, let t = txn else {
            remap.unlock()
            throw LMDBError(code: rc, operation: readOnly ? "mdb_txn_begin(read)" : "mdb_txn_begin(write)")
        }
        return t
    }

    /// Runs `body` in a write transaction and commits it (durably, unless opened with
    /// `syncOnCommit: false`). A thrown error aborts it and is rethrown.
    ///
    /// When the map is full, the transaction is aborted, the map grown and `body` run again, so
    /// `body` may run more than once: it must not change anything outside the transaction
    /// before `write` returns. Blocks while another thread or process holds the write lock.
    public func write<R>(_ body: (Transaction) throws -> R) throws -> R {
        try write(recording: nil, body)
    }

    /// ``write(_:)`` with `recorder` keeping the transaction's changes (see ``WriteRecorder``).
    /// When `body` runs again (the map grew), the recorder's changes are forgotten first.
    public func write<R>(recording recorder: WriteRecorder?, _ body: (Transaction) throws -> R) throws -> R {
        while true {
            guard let t = try begin(readOnly: false) else { continue }
            let result: R
            do {
                _ = recorder?.take()
                result = try body(Transaction(txn: t, isWrite: true, recorder: recorder))
            } catch let error as LMDBError where error.isMapFull {
                mdb_txn_abort(t)
                remap.unlock()
                try grow()
                continue
            } catch {
                mdb_txn_abort(t)
                remap.unlock()
                throw error
            }
            let started = ContinuousClock.now
            let rc = mdb_txn_commit(t)
            let elapsed = (ContinuousClock.now - started).components
            remap.unlock()
            if rc == 0 {
                transactionCount.add(1, ordering: .relaxed)
                if options.syncOnCommit { syncedCount.add(1, ordering: .relaxed) }
                commitNanoseconds.add(Int(elapsed.seconds) * 1_000_000_000 + Int(elapsed.attoseconds / 1_000_000_000), ordering: .relaxed)
            }
            if rc == MDB_MAP_FULL {
                try grow()
                continue
            }
            if rc == EIO || rc == ENOSPC || rc == EDQUOT || rc == EFBIG {
                // LMDB turns a short write (a full disk) into EIO: tell the two apart.
                var e = LMDBError(code: rc, operation: "mdb_txn_commit")
                var fs = statvfs()
                if statvfs(path, &fs) == 0 {
                    let free = Int(fs.f_bavail) * Int(fs.f_frsize)
                    if rc != EIO || free < 4 << 20 { e.diskFull = (path, free) }
                }
                throw e
            }
            try check(rc, "mdb_txn_commit")
            return result
        }
    }

    // MARK: - Map size

    /// The current map size in bytes.
    public var mapSize: Int { info().mapSize }

    /// Doubles the map (at least +64 MiB, at most ``EnvironmentOptions/maximumMapSize``).
    func grow() throws {
        remap.lockExclusive()
        defer { remap.unlock() }
        var i = MDB_envinfo()
        mdb_env_info(env, &i)
        let current = i.me_mapsize
        guard current < options.maximumMapSize else {
            throw LMDBError(code: MDB_MAP_FULL, operation: "map at its maximum of \(options.maximumMapSize) bytes")
        }
        let next = min(options.maximumMapSize, max(current * 2, current + (64 << 20)))
        try check(mdb_env_set_mapsize(env, next), "mdb_env_set_mapsize(\(next))")
    }

    /// Adopts a map size grown by another process.
    func adoptMapSize() throws {
        remap.lockExclusive()
        defer { remap.unlock() }
        try check(mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize(0)")
    }

    // MARK: - Information and maintenance

    /// Map size and usage of the environment (`mdb_env_info`).
    public struct Info: Sendable, Equatable {
        /// Bytes of address space reserved for the map.
        public var mapSize: Int
        /// Bytes of the map in use (last used page × page size).
        public var usedBytes: Int
        /// Page size in bytes.
        public var pageSize: Int
        /// The last committed transaction id.
        public var lastTransactionID: Int
        /// Reader slots in use / available.
        public var readersInUse: Int
        public var maxReaders: Int
    }

    /// Map size and usage.
    public func info() -> Info {
        var i = MDB_envinfo()
        mdb_env_info(env, &i)
        var s = MDB_stat()
        mdb_env_stat(env, &s)
        return Info(
            mapSize: i.me_mapsize, usedBytes: (i.me_last_pgno + 1) * Int(s.ms_psize), pageSize: Int(s.ms_psize),
            lastTransactionID: i.me_last_txnid, readersInUse: Int(i.me_numreaders), maxReaders: Int(i.me_maxreaders))
    }

    /// Flushes committed data to disk (useful after commits with `syncOnCommit: false`).
    public func sync() throws {
        try check(mdb_env_sync(env, 1), "mdb_env_sync")
    }

    /// Turns sync-on-commit on or off for this process's handle.
    public func setSyncOnCommit(_ on: Bool) throws {
        try check(mdb_env_set_flags(env, UInt32(MDB_NOSYNC), on ? 0 : 1), "mdb_env_set_flags")
    }

    /// Writes a consistent copy of the environment to the (existing, empty) folder `path`
    /// while others keep reading and writing. With `compact`, free pages are left out and the
    /// copy is renumbered, so it holds no stale data from freed pages.
    ///
    /// The copy reads in a transaction of its own: the map lock is held shared for its length,
    /// so a writer of this process that must grow the map waits until the copy has finished
    /// (re-mapping under a running copy would pull its pages away).
    public func copy(to path: String, compact: Bool) throws {
        remap.lockShared()
        defer { remap.unlock() }
        try check(mdb_env_copy2(env, path, compact ? UInt32(MDB_CP_COMPACT) : 0), "mdb_env_copy2(\(path))")
    }

    /// The largest key LMDB accepts, in bytes.
    public var maxKeySize: Int { Int(mdb_env_get_maxkeysize(env)) }

    /// LMDB's version string.
    public static var version: String { String(cString: mdb_version(nil, nil, nil)) }
}

/// A reset read transaction kept for reuse (`mdb_txn_renew` is cheaper than `mdb_txn_begin`).
/// It holds no snapshot and may be renewed by any thread (`MDB_NOTLS`), hence `@unchecked Sendable`.
struct PooledReader: @unchecked Sendable {
    let txn: OpaquePointer
}
