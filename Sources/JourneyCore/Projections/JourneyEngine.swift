import Foundation
public import JourneyStore
import LMDBKit
import Synchronization

/// The derived side of the journey store: keeps the four projections (customer stage, journey
/// history, advocacy, funnel) up to date with the log, rebuilds them into a new generation
/// beside the live one, and activates new journey models.
///
/// All methods are synchronous and do their work in LMDB write transactions of bounded size
/// (a chunk of events, never long), so call them from a thread that may block (the workers
/// run them on their own threads). Several processes may run engines on one store: every
/// chunk re-reads checkpoints inside its transaction, so no event is applied twice.
public final class JourneyEngine: @unchecked Sendable {
    // Safe to share: `live` and the projections in it are only touched with `liveLock` held;
    // rebuild state is local to the rebuilding call; `models` and `stats` are behind Mutexes.
    public let store: EventStore
    let dbs: JourneyDatabases
    private let liveLock = NSLock()
    /// The live projections' fold group, and the records it was built from.
    private var live: (records: [ProjectionKind: ProjectionRecord], group: FoldGroup)?
    /// Most customers kept cached between chunks.
    static let cacheLimit = 1_000_000
    private let models = Mutex<[String: CompiledModel]>([:])
    let stats = Mutex<[ProjectionKind: WorkerStats]>([:])
    let rebuilding = Mutex<Set<ProjectionKind>>([])
    /// Set by ``cancelRebuilds()``: running rebuilds stop after their current chunk.
    let rebuildsCancelled = Atomic<Bool>(false)

    /// The projections this process is rebuilding right now.
    public var rebuildingKinds: Set<ProjectionKind> { rebuilding.withLock { $0 } }

    /// Asks running rebuilds to stop after their current chunk (they resume when run again),
    /// e.g. before the process shuts down.
    public func cancelRebuilds() {
        rebuildsCancelled.store(true, ordering: .relaxed)
    }
    /// Position up to which every live projection has applied the log (for waiters).
    public let applied: CommitNotifierSource

    /// Decoded projection records, reused while their stored bytes are unchanged.
    private let recordCache = Mutex<[ProjectionKind: (raw: [UInt8], record: ProjectionRecord)]>([:])

    /// The projection's record as seen by `txn` (decoded once per change).
    func projectionRecord(_ kind: ProjectionKind, in txn: Transaction) throws -> ProjectionRecord {
        guard let raw = try txn.get(dbs.meta, key: Array(MetaKey.projection(kind).utf8)) else {
            throw StoreError(.corrupt, "projection \(kind.rawValue) has no metadata record")
        }
        if let cached = recordCache.withLock({ $0[kind] }), cached.raw.elementsEqual(raw) { return cached.record }
        let record = try JourneyDatabases.decode(ProjectionRecord.self, from: raw)
        recordCache.withLock { $0[kind] = (Array(raw), record) }
        return record
    }

    /// Most events one live chunk applies (one write transaction; default 20,000).
    public var liveChunkEvents: Int {
        get { tuning.withLock { $0.live } }
        set { tuning.withLock { $0.live = max(1, newValue) } }
    }
    /// Most events one rebuild chunk applies (default 250,000).
    public var rebuildChunkEvents: Int {
        get { tuning.withLock { $0.rebuild } }
        set { tuning.withLock { $0.rebuild = max(1, newValue) } }
    }
    /// Longest a rebuild chunk keeps LMDB's write lock (default 1 s: larger chunks rewrite each
    /// customer's views fewer times).
    public var rebuildChunkTimeLimit: Duration {
        get { tuning.withLock { $0.rebuildTime } }
        set { tuning.withLock { $0.rebuildTime = newValue } }
    }
    /// Longest a live chunk keeps LMDB's write lock before committing (default 250 ms).
    public var chunkTimeLimit: Duration {
        get { tuning.withLock { $0.time } }
        set { tuning.withLock { $0.time = newValue } }
    }
    private let tuning = Mutex<(live: Int, rebuild: Int, time: Duration, rebuildTime: Duration)>((20_000, 250_000, .milliseconds(250), .seconds(1)))

    /// Applies `JOURNEY_PROJECTION_CHUNK_EVENTS` (live chunk size) and
    /// `JOURNEY_REBUILD_CHUNK_EVENTS` from an environment, when set.
    public func configure(from environment: [String: String]) {
        if let v = environment["JOURNEY_PROJECTION_CHUNK_EVENTS"].flatMap(Int.init) { liveChunkEvents = v }
        if let v = environment["JOURNEY_REBUILD_CHUNK_EVENTS"].flatMap(Int.init) { rebuildChunkEvents = v }
    }

    /// Opens the journey layer on `store`, creating its databases and, on first use, storing
    /// the default model as the active one.
    public init(store: EventStore) throws(StoreError) {
        self.store = store
        applied = CommitNotifierSource()
        do {
            dbs = try JourneyDatabases.open(store.environment)
            try store.environment.write { txn in
                if try dbs.string(MetaKey.activeModel, in: txn) == nil {
                    let m = JourneyModel.defaultModel
                    try dbs.setString(MetaKey.modelDocument(m.version), m.document, in: txn)
                    try dbs.setString(MetaKey.activeModel, m.version, in: txn)
                }
                let active = try dbs.string(MetaKey.activeModel, in: txn)!
                for kind in ProjectionKind.allCases where try dbs.record(MetaKey.projection(kind), as: ProjectionRecord.self, in: txn) == nil {
                    try dbs.setRecord(MetaKey.projection(kind), ProjectionRecord(slot: 0, generation: 1, modelVersion: active), in: txn)
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    enum MetaKey {
        static let activeModel = "model:active"
        static func modelDocument(_ version: String) -> String { "model:doc:\(version)" }
        static func projection(_ kind: ProjectionKind) -> String { "projection:\(kind.rawValue)" }
        static func rebuild(_ kind: ProjectionKind) -> String { "rebuild:\(kind.rawValue)" }
    }

    // MARK: Models

    /// The compiled model stored under `version`.
    func compiledModel(_ version: String, in txn: Transaction) throws -> CompiledModel {
        if let m = models.withLock({ $0[version] }) { return m }
        guard let doc = try dbs.string(MetaKey.modelDocument(version), in: txn) else {
            throw StoreError(.corrupt, "journey model version \(version) is referenced but not stored")
        }
        let model: JourneyModel
        do {
            model = try JourneyModel.parse(doc)
        } catch {
            throw StoreError(.corrupt, "stored journey model \(version) is invalid: \(error)")
        }
        let compiled = CompiledModel(model)
        models.withLock { $0[version] = compiled }
        return compiled
    }

    /// The active journey model.
    public func activeModel() throws(StoreError) -> JourneyModel {
        do {
            return try store.readTransaction { txn in
                try compiledModel(try dbs.string(MetaKey.activeModel, in: txn) ?? JourneyModel.defaultModel.version, in: txn).model
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    // MARK: Chunks

    /// Applies the records after the lowest member checkpoint inside `txn` (up to `head`, the
    /// next higher member checkpoint, `maxEvents` and the time limit), then writes the changed
    /// customers and the checkpoints of the members that took part. Returns the events read.
    func process(_ group: FoldGroup, head: UInt64, maxEvents: Int, timeLimit: Duration? = nil, txn: Transaction) throws -> Int {
        guard let lowest = group.members.map(\.checkpoint).min(), lowest < head else { return 0 }
        let taking = group.members.filter { $0.checkpoint == lowest }
        // Members ahead wait until the others reach them (their views already hold those events).
        let bound = group.members.map(\.checkpoint).filter { $0 > lowest }.min().map { min($0, head) } ?? head
        if group.stateSource != nil && !taking.contains(where: { $0.kind == .journeyHistory }) {
            throw StoreError(.corrupt, "journey-history is ahead of the projections derived from it; rebuild all projections (journeyctl rebuild)")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + (timeLimit ?? chunkTimeLimit)
        var count = 0
        var last = lowest
        let opener = PropertiesOpener(store: store, txn: txn)
        let context = ChunkContext(store: store, opener: opener)
        try group.refreshErasures(store: store, txn: txn)
        let anyErased = !group.erasures.byCustomer.isEmpty
        try store.forEachRecord(from: lowest + 1, in: txn) { position, record in
            guard position <= bound else { return false }
            let idBytes = record.customerIdBytes
            if anyErased && group.skips(record, position: position, key: EventStore.customerKey(bytes: idBytes)) {
                last = position
                count += 1
                return count < maxEvents
            }
            let customer = idBytes.count <= 480
                ? group.customers.slot(idBytes)
                : EventStore.customerKey(bytes: idBytes).withUnsafeBytes { group.customers.slot($0) }
            if record.isErasure {
                try group.applyErasure(record, customer: customer, txn: txn)
            } else {
                try group.apply(try group.model.classify(record, position: position, opener: opener), record: record, customer: customer, context: context, txn: txn)
            }
            last = position
            count += 1
            return count < maxEvents && (count & 1023 != 0 || clock.now < deadline)
        }
        guard count > 0 else { return 0 }
        try group.flush(taking, txn: txn)
        try dbs.recordFaults(opener.takeFaults(), in: txn)
        for i in group.members.indices where group.members[i].checkpoint == lowest {
            group.members[i].checkpoint = last
            try dbs.setCheckpoint(group.members[i].kind, slot: group.members[i].slot, last, in: txn)
        }
        return count
    }

    /// Brings the live fold group in line with the stored records and checkpoints (another
    /// process may have switched generations or applied events).
    private func syncLive(_ txn: Transaction) throws -> FoldGroup {
        var records: [ProjectionKind: ProjectionRecord] = [:]
        for kind in ProjectionKind.allCases { records[kind] = try projectionRecord(kind, in: txn) }
        let checkpoints = try ProjectionKind.allCases.map { try dbs.checkpoint($0, slot: records[$0]!.slot, in: txn) }
        if let live, live.records == records {
            if live.group.members.map(\.checkpoint) != checkpoints {
                // Another process applied events: what this one cached is out of date.
                live.group.dropCache()
                for i in live.group.members.indices { live.group.members[i].checkpoint = checkpoints[i] }
            }
            return live.group
        }
        let versions = Set(records.values.map(\.modelVersion))
        guard versions.count == 1 else {
            throw StoreError(.corrupt, "the projections were built with different models (\(versions.sorted().joined(separator: ", "))); rebuild all projections")
        }
        let members = ProjectionKind.allCases.enumerated().map { i, kind in
            FoldGroup.Member(kind: kind, slot: records[kind]!.slot, checkpoint: checkpoints[i])
        }
        let group = FoldGroup(
            model: try compiledModel(versions.first!, in: txn), members: members, dbs: dbs,
            stateSource: dbs.view(.journeyHistory, "view", slot: records[.journeyHistory]!.slot))
        live = (records, group)
        return group
    }

    /// Applies one chunk of new events to the live projections. Returns the events applied and
    /// whether more are waiting.
    @discardableResult
    public func runLiveChunk() throws(StoreError) -> (applied: Int, more: Bool) {
        liveLock.lock()
        defer { liveLock.unlock() }
        let started = ContinuousClock.now
        var attempt = 0
        do {
            let (count, checkpoint, head) = try store.environment.write { txn -> (Int, UInt64, UInt64) in
                attempt += 1
                if attempt > 1 { live?.group.dropCache() }
                let group = try syncLive(txn)
                if group.cachedCustomers > Self.cacheLimit { group.dropCache() }
                let head = try store.headPosition(in: txn)
                let n = try process(group, head: head, maxEvents: liveChunkEvents, txn: txn)
                return (n, group.members.map(\.checkpoint).min() ?? 0, head)
            }
            let seconds = (ContinuousClock.now - started).seconds
            stats.withLock { s in
                for kind in ProjectionKind.allCases { s[kind, default: WorkerStats()].record(count, seconds: seconds) }
            }
            applied.publish(checkpoint)
            return (count, checkpoint < head)
        } catch {
            // The transaction did not commit: cached states may be ahead of the stored ones.
            live = nil
            let e = StoreError.wrap(error)
            stats.withLock { s in for kind in ProjectionKind.allCases { s[kind, default: WorkerStats()].lastError = e.description } }
            throw e
        }
    }

    /// Applies every event up to the head to the live projections (in chunks).
    /// Returns the number of events applied; `progress` gets the number applied so far after each chunk.
    @discardableResult
    public func catchUp(progress: ((Int) -> Void)? = nil) throws(StoreError) -> Int {
        var total = 0
        while true {
            let r = try runLiveChunk()
            total += r.applied
            if r.applied > 0 { progress?(total) }
            if !r.more { return total }
        }
    }

    /// The position every live projection has applied (0 when empty).
    public func appliedPosition() throws(StoreError) -> UInt64 {
        do {
            return try store.readTransaction { txn in
                var lowest = UInt64.max
                for kind in ProjectionKind.allCases {
                    let r = try projectionRecord(kind, in: txn)
                    lowest = min(lowest, try dbs.checkpoint(kind, slot: r.slot, in: txn))
                }
                return lowest
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}

/// Recent throughput and the last error of one projection in this process.
struct WorkerStats: Sendable {
    var samples: [(at: ContinuousClock.Instant, events: Int, seconds: Double)] = []
    var lastError: String?

    mutating func record(_ events: Int, seconds: Double) {
        guard events > 0 else { return }
        let now = ContinuousClock.now
        samples.append((now, events, seconds))
        samples.removeAll { now - $0.at > .seconds(10) }
        lastError = nil
    }

    /// Events per second over the last ten seconds of work.
    var eventsPerSecond: Double {
        let now = ContinuousClock.now
        let recent = samples.filter { now - $0.at <= .seconds(10) }
        let events = recent.reduce(0) { $0 + $1.events }
        let seconds = recent.reduce(0.0) { $0 + $1.seconds }
        return seconds > 0 ? Double(events) / seconds : 0
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}

/// Publishes a growing position to async waiters (read-your-writes).
public final class CommitNotifierSource: Sendable {
    private let state = Mutex<(value: UInt64, waiters: [UInt64: [CheckedContinuation<Void, Never>]])>((0, [:]))

    init() {}

    /// The last published position.
    public var value: UInt64 { state.withLock { $0.value } }

    func publish(_ position: UInt64) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.value = max(s.value, position)
            var out: [CheckedContinuation<Void, Never>] = []
            for (p, cs) in s.waiters where p <= s.value {
                out += cs
                s.waiters[p] = nil
            }
            return out
        }
        for c in ready { c.resume() }
    }

    /// Returns once `position` is published (or immediately when it already is).
    public func wait(for position: UInt64) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.value >= position { return true }
                s.waiters[position, default: []].append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}
