import Foundation
public import JourneyStore
import LMDBKit
import Synchronization

/// Rebuilds projections into new generations beside the live ones and switches them, and
/// activates new journey models the same way. One rebuild of a projection at a time per store
/// (another process's running rebuild is refused).
public final class Rebuilder: Sendable {
    let views: ViewStore
    let configuration: EngineConfiguration
    let rebuilding = Mutex<Set<ProjectionKind>>([])
    /// Set by ``cancel()``: running rebuilds stop after their current chunk.
    let cancelled = Atomic<Bool>(false)

    init(views: ViewStore, configuration: EngineConfiguration) {
        self.views = views
        self.configuration = configuration
    }

    /// The projections this process is rebuilding right now.
    public var rebuildingKinds: Set<ProjectionKind> { rebuilding.withLock { $0 } }

    /// Asks running rebuilds to stop after their current chunk (they resume when run again),
    /// e.g. before the process shuts down.
    public func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

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
        let (records, startCheckpoint) = try views.write { txn, log -> ([ProjectionKind: RebuildRecord], UInt64) in
            let activeVersion = try views.activeModelVersion(in: txn)
            let version = model?.version ?? activeVersion
            if let model {
                if let stored = try views.dbs.string(ViewStore.MetaKey.modelDocument(model.version), in: txn) {
                    if let old = try? JourneyModel.parse(stored), old.document != model.document {
                        throw StoreError(.invalidArgument, "model version \(model.version) is already stored with different content; give the new document a new version")
                    }
                } else {
                    try views.dbs.setString(ViewStore.MetaKey.modelDocument(model.version), model.document, in: txn)
                }
            }
            let head = try log.headPosition()
            var records: [ProjectionKind: RebuildRecord] = [:]
            var lowest = UInt64.max
            for kind in group {
                let live = try views.dbs.record(ViewStore.MetaKey.projection(kind), as: ProjectionRecord.self, in: txn)!
                if let existing = try views.dbs.record(ViewStore.MetaKey.rebuild(kind), as: RebuildRecord.self, in: txn),
                   existing.pid != pid, kill(existing.pid, 0) == 0 {
                    throw StoreError(.invalidArgument, "projection \(kind.rawValue) is being rebuilt by process \(existing.pid)")
                }
                var record = RebuildRecord(
                    slot: 1 - live.slot, generation: live.generation + 1, modelVersion: version, group: group,
                    startedAt: Timestamp.now().milliseconds, startHead: head, pid: pid)
                if let existing = try views.dbs.record(ViewStore.MetaKey.rebuild(kind), as: RebuildRecord.self, in: txn),
                   existing.slot == record.slot, existing.modelVersion == version, existing.group == group {
                    // Resume where a killed rebuild stopped.
                    record.startedAt = existing.startedAt
                    record.startHead = existing.startHead
                } else {
                    for suffix in kind.databaseSuffixes { try txn.drop(views.dbs.view(kind, suffix, slot: record.slot)) }
                    try views.dbs.setCheckpoint(kind, slot: record.slot, 0, in: txn)
                }
                try views.dbs.setRecord(ViewStore.MetaKey.rebuild(kind), record, in: txn)
                records[kind] = record
                lowest = min(lowest, try views.dbs.checkpoint(kind, slot: record.slot, in: txn))
            }
            return (records, lowest)
        }
        let compiled = try views.readViews { txn in try views.compiledModel(records[group[0]]!.modelVersion, in: txn) }
        // With journey-history in the group, states are saved in its new view; without it (derived
        // projections alone) they are folded from scratch and kept in memory.
        func makeGroup() -> FoldGroup {
            FoldGroup(
                model: compiled, members: group.map { FoldGroup.Member(kind: $0, slot: records[$0]!.slot, checkpoint: 0) }, dbs: views.dbs,
                stateSource: group.contains(.journeyHistory) ? views.dbs.view(.journeyHistory, "view", slot: records[.journeyHistory]!.slot) : nil)
        }
        var fold = makeGroup()
        if !group.contains(.journeyHistory) && startCheckpoint > 0 {
            // A resumed derived rebuild has no saved states: start it over.
            try views.write { txn, _ in
                for kind in group {
                    for suffix in kind.databaseSuffixes { try txn.drop(views.dbs.view(kind, suffix, slot: records[kind]!.slot)) }
                    try views.dbs.setCheckpoint(kind, slot: records[kind]!.slot, 0, in: txn)
                }
            }
        }
        try views.readViews { txn in
            for i in fold.members.indices {
                fold.members[i].checkpoint = try views.dbs.checkpoint(fold.members[i].kind, slot: fold.members[i].slot, in: txn)
            }
        }
        var reports: [RebuildProgress] = []
        var switched = false
        var attempt = 0
        // Chunks folded but not yet written (see `rebuildSaveInterval`), the faults they met and
        // the projections that took part.
        var unsaved = 0
        var unsavedFaults: [ProjectionFault] = []
        var moved: [ProjectionKind] = []
        var lastSave = ContinuousClock.now
        /// Writes the chunks folded since the last save, and switches when caught up. After a
        /// retried transaction the group starts again from what is stored.
        func save(switchIfCaughtUp: Bool) throws -> (UInt64, [UInt64]) {
            attempt = 0
            let result = try views.write { txn, log -> (UInt64, [UInt64]) in
                attempt += 1
                if attempt > 1 {
                    fold = makeGroup()
                    for i in fold.members.indices {
                        fold.members[i].checkpoint = try views.dbs.checkpoint(fold.members[i].kind, slot: fold.members[i].slot, in: txn)
                    }
                    return (try log.headPosition(), fold.members.map(\.checkpoint))
                }
                try ChunkProcessor.commit(fold, moved, faults: unsavedFaults, views: views, txn: txn)
                let head = try log.headPosition()
                if switchIfCaughtUp && fold.members.allSatisfy({ $0.checkpoint >= head }) {
                    try switchGenerations(group, records: records, model: model, in: txn)
                    switched = true
                }
                return (head, fold.members.map(\.checkpoint))
            }
            unsaved = 0
            unsavedFaults = []
            moved = []
            lastSave = ContinuousClock.now
            return result
        }
        while !switched {
            if cancelled.load(ordering: .relaxed) {
                if unsaved > 0 { _ = try save(switchIfCaughtUp: false) }
                throw StoreError(.closed, "the rebuild was interrupted by shutdown; run it again to resume")
            }
            // Fold in a read transaction (the live projections keep writing meanwhile); write
            // every customer once per save, not per chunk. Members at different checkpoints (the
            // lower ones catching up) are saved after every chunk, so that a save writes each
            // state to exactly the members that folded it.
            if unsaved == 0 && fold.stateSource != nil && fold.cachedCustomers > configuration.cachedCustomers { fold.dropCache() }
            let lowest = fold.members.map(\.checkpoint).min() ?? 0
            let together = fold.members.allSatisfy { $0.checkpoint == lowest }
            let taking = fold.members.filter { $0.checkpoint == lowest }.map(\.kind)
            let (h, (n, faults)) = try views.read { txn, log in
                let h = try log.headPosition()
                return (h, try ChunkProcessor.fold(
                    fold, head: h, maxEvents: configuration.rebuildChunkEvents, timeLimit: configuration.rebuildChunkTime,
                    txn: txn, log: log))
            }
            if n > 0 { moved += taking.filter { !moved.contains($0) } }
            unsaved += n
            unsavedFaults += faults
            let caughtUp = fold.members.allSatisfy { $0.checkpoint >= h }
            let head: UInt64, checkpoints: [UInt64]
            if caughtUp || !together || ContinuousClock.now - lastSave >= configuration.rebuildSaveInterval
                || fold.cachedCustomers > configuration.cachedCustomers {
                (head, checkpoints) = try save(switchIfCaughtUp: caughtUp)
            } else {
                (head, checkpoints) = (h, fold.members.map(\.checkpoint))
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
            let old = try views.dbs.record(ViewStore.MetaKey.projection(kind), as: ProjectionRecord.self, in: txn)!
            try views.dbs.setRecord(ViewStore.MetaKey.projection(kind), ProjectionRecord(slot: r.slot, generation: r.generation, modelVersion: r.modelVersion), in: txn)
            try views.dbs.setRecord(ViewStore.MetaKey.rebuild(kind), Optional<RebuildRecord>.none, in: txn)
            for suffix in kind.databaseSuffixes { try txn.drop(views.dbs.view(kind, suffix, slot: old.slot)) }
            try views.dbs.setCheckpoint(kind, slot: old.slot, 0, in: txn)
        }
        if let model { try views.dbs.setString(ViewStore.MetaKey.activeModel, model.version, in: txn) }
    }

    /// Validates nothing further (a ``JourneyModel`` is valid by construction) and activates it:
    /// every projection is rebuilt under it beside the live views, and the model becomes active
    /// when they switch. Activating the active model again does nothing.
    @discardableResult
    public func activate(_ model: JourneyModel, progress: (([RebuildProgress]) -> Void)? = nil) throws(StoreError) -> [RebuildProgress] {
        let current = try views.readViews { txn in try views.compiledModel(try views.activeModelVersion(in: txn), in: txn).model }
        if current.version == model.version {
            guard current.document == model.document else {
                throw StoreError(.invalidArgument, "model version \(model.version) is active with different content; give the new document a new version")
            }
            return []
        }
        return try rebuild(ProjectionKind.allCases, model: model, progress: progress)
    }
}
