import JourneyJSON
package import JourneyStore
package import LMDBKit
import Synchronization

/// Where the views live: an LMDB environment of their own (for the embedded store,
/// `views/data.mdb` beside the log's file), its databases, and the decoded models and
/// projection records, cached.
///
/// Every read and write of views runs in a closure that gets the view transaction and a
/// snapshot of the log (``EventLog/snapshot(_:)``) taken after it began, so a view never sees
/// the log behind its own checkpoint, and a view's changes never commit past the log's head.
/// The views' transaction always begins first (never the other way round), so the two
/// environments' locks are always taken in the same order; the one exception is the move of an
/// earlier store's views out of the log's file (``ViewsRelocation``), made with the store to
/// itself.
package final class ViewStore: Sendable {
    package let log: any EventLog
    let env: Environment
    let dbs: JourneyDatabases
    private let models = Mutex<[String: CompiledModel]>([:])
    /// Decoded projection records, reused while their stored bytes are unchanged.
    private let recordCache = Mutex<[ProjectionKind: (raw: [UInt8], record: ProjectionRecord)]>([:])

    /// Whether opening moved the views out of the log's file (once, for a store made by an
    /// earlier version).
    let movedOutOfLog: Bool

    /// Opens the views in `environment`, creating their databases and, on first use, storing
    /// `initialModel` (default: the default model) as the active one. Views still kept in the
    /// log's own file (a store made by an earlier version) are moved into `environment` first
    /// (see ``ViewsRelocation``); views that cannot belong to the log are emptied and rebuilt
    /// (see ``resetIfAheadOfLog()``).
    package init(log: any EventLog, environment: Environment, initialModel: JourneyModel? = nil) throws(StoreError) {
        self.log = log
        env = environment
        do {
            if let store = log as? EventStore, store.environment !== environment {
                movedOutOfLog = try ViewsRelocation.moveIfNeeded(store: store, views: environment)
            } else {
                movedOutOfLog = false
            }
            dbs = try JourneyDatabases.open(environment)
            try environment.write { txn in
                if try dbs.string(MetaKey.activeModel, in: txn) == nil {
                    let m = initialModel ?? JourneyModel.defaultModel
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

    /// Whether `kind`'s live view is behind journey-history's, given each live checkpoint: it
    /// was added after the store was made (its views start empty) and only a rebuild can fill it.
    static func needsRebuild(_ kind: ProjectionKind, checkpoints: [ProjectionKind: UInt64]) -> Bool {
        kind != .journeyHistory && (checkpoints[kind] ?? 0) < (checkpoints[.journeyHistory] ?? 0)
    }

    /// The live projections that need a rebuild before they answer (see ``needsRebuild``).
    func projectionsNeedingRebuild(in txn: Transaction) throws -> [ProjectionKind] {
        var checkpoints: [ProjectionKind: UInt64] = [:]
        for kind in ProjectionKind.allCases { checkpoints[kind] = try dbs.checkpoint(kind, slot: try projectionRecord(kind, in: txn).slot, in: txn) }
        return ProjectionKind.allCases.filter { Self.needsRebuild($0, checkpoints: checkpoints) }
    }

    /// Throws `not_built` when `kind` needs a rebuild before it answers.
    func requireBuilt(_ kind: ProjectionKind, in txn: Transaction) throws {
        guard try projectionsNeedingRebuild(in: txn).contains(kind) else { return }
        throw StoreError(.notBuilt, "the \(kind.rawValue) view is not built yet: this store was made before it existed; it is built by a rebuild of all projections (journeyctl rebuild; a server starts one itself), and answers once the rebuild switches")
    }

    enum MetaKey {
        static let activeModel = "model:active"
        static func modelDocument(_ version: String) -> String { "model:doc:\(version)" }
        static func projection(_ kind: ProjectionKind) -> String { "projection:\(kind.rawValue)" }
        static func rebuild(_ kind: ProjectionKind) -> String { "rebuild:\(kind.rawValue)" }
    }

    // MARK: Transactions

    /// Runs `body` with a read transaction of the views and a snapshot of the log.
    func read<R>(_ body: (Transaction, any LogSnapshot) throws -> R) throws(StoreError) -> R {
        do {
            return try env.read { txn in try log.snapshot { try body(txn, $0) } }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Runs `body` with a read transaction of the views alone, for reads that do not look at the
    /// log (a stage look-up, a model, a checkpoint): no second transaction on their path.
    func readViews<R>(_ body: (Transaction) throws -> R) throws(StoreError) -> R {
        do {
            return try env.read(body)
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Runs `body` in a write transaction of the views (with a snapshot of the log taken inside
    /// it); the view changes and checkpoints it makes commit together. `body` may run again
    /// when the map had to grow.
    func write<R>(_ body: (Transaction, any LogSnapshot) throws -> R) throws -> R {
        try env.write { txn in try log.snapshot { try body(txn, $0) } }
    }

    /// Runs `body` in a read transaction with the live projections' records and models at hand.
    func withLiveViews<R>(_ body: (Transaction, any LogSnapshot, (ProjectionKind) throws -> (ProjectionRecord, CompiledModel)) throws -> R) throws(StoreError) -> R {
        try read { txn, log in try body(txn, log) { try liveView($0, in: txn) } }
    }

    /// ``withLiveViews(_:)`` for reads that do not look at the log (see ``readViews(_:)``).
    func withLiveViewsOnly<R>(_ body: (Transaction, (ProjectionKind) throws -> (ProjectionRecord, CompiledModel)) throws -> R) throws(StoreError) -> R {
        try readViews { txn in try body(txn) { try liveView($0, in: txn) } }
    }

    private func liveView(_ kind: ProjectionKind, in txn: Transaction) throws -> (ProjectionRecord, CompiledModel) {
        let r = try projectionRecord(kind, in: txn)
        return (r, try compiledModel(r.modelVersion, in: txn))
    }

    // MARK: Models and records

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

    /// The active model's version as seen by `txn`.
    func activeModelVersion(in txn: Transaction) throws -> String {
        try dbs.string(MetaKey.activeModel, in: txn) ?? JourneyModel.defaultModel.version
    }
}
