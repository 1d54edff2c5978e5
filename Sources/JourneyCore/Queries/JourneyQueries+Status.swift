import Foundation
public import JourneyStore
import LMDBKit

/// The projections' status, their faults, the size of the views, the active model.
extension JourneyQueries {
    /// The active journey model.
    public func activeModel() throws(StoreError) -> JourneyModel {
        try viewStore.readViews { txn in try viewStore.compiledModel(try viewStore.activeModelVersion(in: txn), in: txn).model }
    }

    /// Status of every projection: checkpoint, head, lag, generation, model, rate, last error,
    /// and the rebuild in progress, if any.
    public func status() throws(StoreError) -> [ProjectionStatus] {
        let local = live.stats.withLock { $0 }
        do {
            return try viewStore.read { txn, log in
                let head = try log.headPosition()
                let faults = try txn.statistics(viewStore.dbs.faults).entries
                let unbuilt = try viewStore.projectionsNeedingRebuild(in: txn)
                return try ProjectionKind.allCases.map { kind in
                    let record = try viewStore.projectionRecord(kind, in: txn)
                    let checkpoint = try viewStore.dbs.checkpoint(kind, slot: record.slot, in: txn)
                    var rebuild: RebuildProgress?
                    if let r = try viewStore.dbs.record(ViewStore.MetaKey.rebuild(kind), as: RebuildRecord.self, in: txn) {
                        let cp = try viewStore.dbs.checkpoint(kind, slot: r.slot, in: txn)
                        let seconds = Double(Timestamp.now().milliseconds - r.startedAt) / 1000
                        let rate = seconds > 0 ? Double(cp) / seconds : 0
                        rebuild = RebuildProgress(
                            name: kind.rawValue, generation: r.generation, modelVersion: r.modelVersion, checkpoint: cp, head: head,
                            fraction: head == 0 ? 1 : Double(cp) / Double(head), eventsPerSecond: rate,
                            etaSeconds: rate > 0 ? Double(head - min(head, cp)) / rate : nil, switched: false)
                    }
                    return ProjectionStatus(
                        name: kind.rawValue, state: rebuild != nil ? "rebuilding" : unbuilt.contains(kind) ? "needs-rebuild" : "live",
                        checkpoint: checkpoint, head: head,
                        lag: head - min(head, checkpoint), generation: record.generation, modelVersion: record.modelVersion,
                        eventsPerSecond: local[kind]?.eventsPerSecond ?? 0,
                        lastError: unbuilt.contains(kind) ? "not built yet (a store made before this projection existed): rebuild all projections" : local[kind]?.lastError,
                        rebuild: rebuild,
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
            return try viewStore.readViews { txn in
                var out: [ProjectionFault] = []
                try txn.withCursor(viewStore.dbs.faults) { c in
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
            return try viewStore.readViews { txn in
                var out: [String: Int] = [:]
                for kind in ProjectionKind.allCases {
                    let record = try viewStore.projectionRecord(kind, in: txn)
                    out[kind.rawValue] = try kind.databaseSuffixes.reduce(0) { total, suffix in
                        total + (try txn.statistics(viewStore.dbs.view(kind, suffix, slot: record.slot)).bytes)
                    }
                }
                return out
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
