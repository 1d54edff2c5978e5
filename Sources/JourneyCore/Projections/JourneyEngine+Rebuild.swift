import Foundation
public import JourneyStore
import LMDBKit

extension JourneyEngine {
    /// Rebuilds `kinds` from position 1 into new generations while the current ones keep
    /// answering reads, then switches them together, atomically, once they have caught up with
    /// the log. With `model`, the new generations are built under it and it becomes the active
    /// model at the switch (model activation).
    ///
    /// A rebuild interrupted (process killed) leaves its progress; the next rebuild of the same
    /// projections under the same model resumes from there. `progress` is called after every chunk.
    @discardableResult
    public func rebuild(
        _ kinds: [ProjectionKind] = ProjectionKind.allCases, model: JourneyModel? = nil,
        progress: (([RebuildProgress]) -> Void)? = nil
    ) throws(StoreError) -> [RebuildProgress] {
        // journey-history holds the state the others derive from: rebuilding it rebuilds all.
        let group = kinds.contains(.journeyHistory) ? ProjectionKind.allCases : ProjectionKind.allCases.filter { kinds.contains($0) }
        guard !group.isEmpty else { throw StoreError(.invalidArgument, "nothing to rebuild") }
        let clash = rebuilding.withLock { running -> Set<ProjectionKind> in
            let overlap = running.intersection(group)
            if overlap.isEmpty { running.formUnion(group) }
            return overlap
        }
        guard clash.isEmpty else {
            throw StoreError(.invalidArgument, "a rebuild of \(clash.map(\.rawValue).sorted().joined(separator: ", ")) is already running")
        }
        defer { rebuilding.withLock { $0.subtract(group) } }
        do {
            return try runRebuild(group, model: model, progress: progress)
        } catch {
            throw StoreError.wrap(error)
        }
    }

    private func runRebuild(_ group: [ProjectionKind], model: JourneyModel?, progress: (([RebuildProgress]) -> Void)?) throws -> [RebuildProgress] {
        let started = ContinuousClock.now
        let pid = getpid()
        // Set up (or resume) the new generations.
        let (records, startCheckpoint) = try store.environment.write { txn -> ([ProjectionKind: RebuildRecord], UInt64) in
            let activeVersion = try dbs.string(MetaKey.activeModel, in: txn) ?? JourneyModel.defaultModel.version
            let version = model?.version ?? activeVersion
            if let model {
                if let stored = try dbs.string(MetaKey.modelDocument(model.version), in: txn) {
                    if let old = try? JourneyModel.parse(stored), old.document != model.document {
                        throw StoreError(.invalidArgument, "model version \(model.version) is already stored with different content; give the new document a new version")
                    }
                } else {
                    try dbs.setString(MetaKey.modelDocument(model.version), model.document, in: txn)
                }
            }
            let head = try store.headPosition(in: txn)
            var records: [ProjectionKind: RebuildRecord] = [:]
            var lowest = UInt64.max
            for kind in group {
                let live = try dbs.record(MetaKey.projection(kind), as: ProjectionRecord.self, in: txn)!
                if let existing = try dbs.record(MetaKey.rebuild(kind), as: RebuildRecord.self, in: txn),
                   existing.pid != pid, kill(existing.pid, 0) == 0 {
                    throw StoreError(.invalidArgument, "projection \(kind.rawValue) is being rebuilt by process \(existing.pid)")
                }
                var record = RebuildRecord(
                    slot: 1 - live.slot, generation: live.generation + 1, modelVersion: version, group: group,
                    startedAt: Timestamp.now().milliseconds, startHead: head, pid: pid)
                if let existing = try dbs.record(MetaKey.rebuild(kind), as: RebuildRecord.self, in: txn),
                   existing.slot == record.slot, existing.modelVersion == version, existing.group == group {
                    // Resume where a killed rebuild stopped.
                    record.startedAt = existing.startedAt
                    record.startHead = existing.startHead
                } else {
                    for suffix in kind.databaseSuffixes { try txn.drop(dbs.view(kind, suffix, slot: record.slot)) }
                    try dbs.setCheckpoint(kind, slot: record.slot, 0, in: txn)
                }
                try dbs.setRecord(MetaKey.rebuild(kind), record, in: txn)
                records[kind] = record
                lowest = min(lowest, try dbs.checkpoint(kind, slot: record.slot, in: txn))
            }
            return (records, lowest)
        }
        let compiled = try store.readTransaction { txn in try compiledModel(records[group[0]]!.modelVersion, in: txn) }
        // With journey-history in the group, states are saved in its new view; without it (derived
        // projections alone) they are folded from scratch and kept in memory.
        func makeGroup() -> FoldGroup {
            FoldGroup(
                model: compiled, members: group.map { FoldGroup.Member(kind: $0, slot: records[$0]!.slot, checkpoint: 0) }, dbs: dbs,
                stateSource: group.contains(.journeyHistory) ? dbs.view(.journeyHistory, "view", slot: records[.journeyHistory]!.slot) : nil)
        }
        var fold = makeGroup()
        if !group.contains(.journeyHistory) && startCheckpoint > 0 {
            // A resumed derived rebuild has no saved states: start it over.
            try store.environment.write { txn in
                for kind in group {
                    for suffix in kind.databaseSuffixes { try txn.drop(dbs.view(kind, suffix, slot: records[kind]!.slot)) }
                    try dbs.setCheckpoint(kind, slot: records[kind]!.slot, 0, in: txn)
                }
            }
        }
        var reports: [RebuildProgress] = []
        var switched = false
        var attempt = 0
        while !switched {
            if rebuildsCancelled.load(ordering: .relaxed) {
                throw StoreError(.closed, "the rebuild was interrupted by shutdown; run it again to resume")
            }
            attempt = 0
            let (head, checkpoints) = try store.environment.write { txn -> (UInt64, [UInt64]) in
                attempt += 1
                if attempt > 1 {
                    // A retry after the map grew: start from what is stored.
                    fold = makeGroup()
                }
                for i in fold.members.indices {
                    fold.members[i].checkpoint = try dbs.checkpoint(fold.members[i].kind, slot: fold.members[i].slot, in: txn)
                }
                if fold.stateSource != nil && fold.cachedCustomers > Self.cacheLimit { fold.dropCache() }
                let head = try store.headPosition(in: txn)
                _ = try process(fold, head: head, maxEvents: rebuildChunkEvents, timeLimit: rebuildChunkTimeLimit, txn: txn)
                if fold.members.allSatisfy({ $0.checkpoint >= head }) {
                    try switchGenerations(group, records: records, model: model, in: txn)
                    switched = true
                }
                return (head, fold.members.map(\.checkpoint))
            }
            let seconds = (ContinuousClock.now - started).seconds
            reports = zip(group, checkpoints).map { kind, checkpoint in
                let record = records[kind]!
                let done = Double(checkpoint - min(checkpoint, startCheckpoint))
                let rate = seconds > 0 ? done / seconds : 0
                return RebuildProgress(
                    name: kind.rawValue, generation: record.generation, modelVersion: record.modelVersion,
                    checkpoint: checkpoint, head: head, fraction: head == 0 ? 1 : Double(checkpoint) / Double(head),
                    eventsPerSecond: rate, etaSeconds: rate > 0 ? Double(head - min(head, checkpoint)) / rate : nil,
                    switched: switched)
            }
            progress?(reports)
        }
        return reports
    }

    /// Makes the rebuilt generations the live ones, in the caller's transaction, and empties the
    /// generations they replace.
    private func switchGenerations(_ group: [ProjectionKind], records: [ProjectionKind: RebuildRecord], model: JourneyModel?, in txn: Transaction) throws {
        for kind in group {
            let r = records[kind]!
            let old = try dbs.record(MetaKey.projection(kind), as: ProjectionRecord.self, in: txn)!
            try dbs.setRecord(MetaKey.projection(kind), ProjectionRecord(slot: r.slot, generation: r.generation, modelVersion: r.modelVersion), in: txn)
            try dbs.setRecord(MetaKey.rebuild(kind), Optional<RebuildRecord>.none, in: txn)
            for suffix in kind.databaseSuffixes { try txn.drop(dbs.view(kind, suffix, slot: old.slot)) }
            try dbs.setCheckpoint(kind, slot: old.slot, 0, in: txn)
        }
        if let model { try dbs.setString(MetaKey.activeModel, model.version, in: txn) }
    }

    /// Validates nothing further (a ``JourneyModel`` is valid by construction) and activates it:
    /// every projection is rebuilt under it beside the live views, and the model becomes active
    /// when they switch. Activating the active model again does nothing.
    @discardableResult
    public func activate(_ model: JourneyModel, progress: (([RebuildProgress]) -> Void)? = nil) throws(StoreError) -> [RebuildProgress] {
        let current = try activeModel()
        if current.version == model.version {
            guard current.document == model.document else {
                throw StoreError(.invalidArgument, "model version \(model.version) is active with different content; give the new document a new version")
            }
            return []
        }
        return try rebuild(ProjectionKind.allCases, model: model, progress: progress)
    }

    /// Status of every projection: checkpoint, head, lag, generation, model, rate, last error,
    /// and the rebuild in progress, if any.
    public func status() throws(StoreError) -> [ProjectionStatus] {
        let local = stats.withLock { $0 }
        do {
            return try store.readTransaction { txn in
                let head = try store.headPosition(in: txn)
                let faults = try txn.statistics(dbs.faults).entries
                return try ProjectionKind.allCases.map { kind in
                    let record = try projectionRecord(kind, in: txn)
                    let checkpoint = try dbs.checkpoint(kind, slot: record.slot, in: txn)
                    var rebuild: RebuildProgress?
                    if let r = try dbs.record(MetaKey.rebuild(kind), as: RebuildRecord.self, in: txn) {
                        let cp = try dbs.checkpoint(kind, slot: r.slot, in: txn)
                        let seconds = Double(Timestamp.now().milliseconds - r.startedAt) / 1000
                        let rate = seconds > 0 ? Double(cp) / seconds : 0
                        rebuild = RebuildProgress(
                            name: kind.rawValue, generation: r.generation, modelVersion: r.modelVersion, checkpoint: cp, head: head,
                            fraction: head == 0 ? 1 : Double(cp) / Double(head), eventsPerSecond: rate,
                            etaSeconds: rate > 0 ? Double(head - min(head, cp)) / rate : nil, switched: false)
                    }
                    return ProjectionStatus(
                        name: kind.rawValue, state: rebuild == nil ? "live" : "rebuilding", checkpoint: checkpoint, head: head,
                        lag: head - min(head, checkpoint), generation: record.generation, modelVersion: record.modelVersion,
                        eventsPerSecond: local[kind]?.eventsPerSecond ?? 0, lastError: local[kind]?.lastError, rebuild: rebuild,
                        faults: faults)
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Recorded projection faults in log order, from `after` (exclusive), at most `limit`.
    public func faults(after: UInt64 = 0, limit: Int = 100) throws(StoreError) -> [ProjectionFault] {
        do {
            return try store.readTransaction { txn in
                var out: [ProjectionFault] = []
                try txn.withCursor(dbs.faults) { c in
                    var entry = try c.seek(atLeast: after + 1)
                    while let e = entry, out.count < limit {
                        out.append(try JourneyDatabases.decode(ProjectionFault.self, from: e.value))
                        entry = try c.next()
                    }
                }
                return out
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Bytes of each live view's databases (for metrics), by projection.
    public func viewBytes() throws(StoreError) -> [String: Int] {
        do {
            return try store.readTransaction { txn in
                var out: [String: Int] = [:]
                for kind in ProjectionKind.allCases {
                    let record = try projectionRecord(kind, in: txn)
                    out[kind.rawValue] = try kind.databaseSuffixes.reduce(0) { total, suffix in
                        total + (try txn.statistics(dbs.view(kind, suffix, slot: record.slot)).bytes)
                    }
                }
                return out
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
