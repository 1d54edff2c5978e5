import Foundation
public import JourneyStore
import LMDBKit
import Synchronization

/// The live projections: one fold group that follows the log, a chunk at a time, in write
/// transactions of bounded size (never long), so call it from a thread that may block (the
/// server's worker runs it on its own queue). Several processes may run it on one store:
/// every chunk re-reads the checkpoints inside its transaction, so no event is applied twice.
public final class LiveProjections: @unchecked Sendable {
    // Safe to share: `live` and the fold group in it are only touched with `lock` held; the
    // rest is immutable or behind a Mutex.
    private let lock = NSLock()
    private var live: (records: [ProjectionKind: ProjectionRecord], group: FoldGroup)?
    let views: ViewStore
    let configuration: EngineConfiguration
    /// Recent throughput and last error per projection, in this process.
    let stats = Mutex<[ProjectionKind: WorkerStats]>([:])
    /// The position up to which every live projection has applied the log, as this process
    /// last saw it (for read-your-writes waiters in this process).
    public let applied = CommitNotifier()

    init(views: ViewStore, configuration: EngineConfiguration) {
        self.views = views
        self.configuration = configuration
    }

    /// Applies one chunk of new events. Returns the events applied and whether more are waiting.
    @discardableResult
    public func runChunk() throws(StoreError) -> (applied: Int, more: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let started = ContinuousClock.now
        var attempt = 0
        do {
            let (count, checkpoint, head) = try views.write { txn, log -> (Int, UInt64, UInt64) in
                attempt += 1
                if attempt > 1 { live?.group.dropCache() }
                let group = try syncLive(txn)
                if group.cachedCustomers > configuration.cachedCustomers { group.dropCache() }
                let head = try log.headPosition()
                let n = try ChunkProcessor.process(
                    group, head: head, maxEvents: configuration.liveChunkEvents, timeLimit: configuration.liveChunkTime,
                    views: views, txn: txn, log: log)
                // Where these views met this log, so that a log swapped under them is noticed.
                if n > 0, let top = group.members.map(\.checkpoint).max(), top > 0, let r = try log.record(at: top) {
                    try views.setAnchor(top, r.chainHash, in: txn)
                }
                return (n, group.members.map(\.checkpoint).min() ?? 0, head)
            }
            let seconds = (ContinuousClock.now - started).seconds
            stats.withLock { s in
                for kind in ProjectionKind.allCases { s[kind, default: WorkerStats()].record(count, seconds: seconds) }
            }
            applied.publish(head: checkpoint)
            return (count, checkpoint < head)
        } catch {
            // The transaction did not commit: cached states may be ahead of the stored ones.
            live = nil
            let e = StoreError.wrap(error)
            stats.withLock { s in for kind in ProjectionKind.allCases { s[kind, default: WorkerStats()].lastError = e.description } }
            throw e
        }
    }

    /// Applies every event up to the head (in chunks). Returns the number applied; `progress`
    /// gets the number applied so far after each chunk.
    @discardableResult
    public func catchUp(progress: ((Int) -> Void)? = nil) throws(StoreError) -> Int {
        var total = 0
        while true {
            let r = try runChunk()
            total += r.applied
            if r.applied > 0 { progress?(total) }
            if !r.more { return total }
        }
    }

    /// The position every live projection has applied, as stored (0 when empty): includes what
    /// other processes applied.
    public func appliedPosition() throws(StoreError) -> UInt64 {
        try views.readViews { txn in
            var lowest = UInt64.max
            for kind in ProjectionKind.allCases {
                let r = try views.projectionRecord(kind, in: txn)
                lowest = min(lowest, try views.dbs.checkpoint(kind, slot: r.slot, in: txn))
            }
            return lowest
        }
    }

    /// Brings the live fold group in line with the stored records and checkpoints (another
    /// process may have switched generations or applied events).
    private func syncLive(_ txn: Transaction) throws -> FoldGroup {
        var records: [ProjectionKind: ProjectionRecord] = [:]
        for kind in ProjectionKind.allCases { records[kind] = try views.projectionRecord(kind, in: txn) }
        let checkpoints = try ProjectionKind.allCases.map { try views.dbs.checkpoint($0, slot: records[$0]!.slot, in: txn) }
        if let live, live.records == records {
            let stored = live.group.members.map { checkpoints[ProjectionKind.allCases.firstIndex(of: $0.kind)!] }
            if live.group.members.map(\.checkpoint) != stored {
                // Another process applied events: what this one cached is out of date.
                live.group.dropCache()
                for i in live.group.members.indices { live.group.members[i].checkpoint = stored[i] }
            }
            return live.group
        }
        let versions = Set(records.values.map(\.modelVersion))
        guard versions.count == 1 else {
            throw StoreError(.corrupt, "the projections were built with different models (\(versions.sorted().joined(separator: ", "))); rebuild all projections")
        }
        // A projection behind journey-history (new in this version of the store, e.g. the
        // journey map on a store made before it) cannot be brought up from the stored states:
        // it waits for a rebuild, and the others go on.
        let byKind = Dictionary(uniqueKeysWithValues: zip(ProjectionKind.allCases, checkpoints))
        let members = ProjectionKind.allCases.enumerated().compactMap { i, kind -> FoldGroup.Member? in
            guard !ViewStore.needsRebuild(kind, checkpoints: byKind) else { return nil }
            return FoldGroup.Member(kind: kind, slot: records[kind]!.slot, checkpoint: checkpoints[i])
        }
        let group = FoldGroup(
            model: try views.compiledModel(versions.first!, in: txn), members: members, dbs: views.dbs,
            stateSource: views.dbs.view(.journeyHistory, "view", slot: records[.journeyHistory]!.slot))
        live = (records, group)
        return group
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
