import JourneyStore
import LMDBKit

/// Builds the projection objects of one slot, wiring each projection's indexes and aggregates.
enum ProjectionFactory {
    static func make(_ kind: ProjectionKind, slot: Int, model: CompiledModel, dbs: JourneyDatabases) -> any AnyProjection {
        switch kind {
        case .customerStage:
            let index = dbs.view(kind, "index", slot: slot)
            var hooks = ProjectionHooks<StageView>()
            hooks.needsOld = true
            hooks.changed = { old, new, key, txn in
                guard old?.stage.current != new.stage.current else { return }
                if let o = old?.stage.current, o >= 0 { try txn.delete(index, key: [UInt8(o)] + key) }
                if new.stage.current >= 0 { try txn.put(index, key: [UInt8(new.stage.current)] + key, value: []) }
            }
            hooks.clear = { txn in try txn.drop(index) }
            return StageProjection(core: ViewCore<StageView>(kind: kind, compiled: model, view: dbs.view(kind, "view", slot: slot), hooks: hooks), slot: slot)
        case .journeyHistory:
            return JourneyProjection(core: ViewCore<CustomerJourney>(kind: kind, compiled: model, view: dbs.view(kind, "view", slot: slot), hooks: ProjectionHooks()), slot: slot)
        case .advocacy:
            let index = dbs.view(kind, "index", slot: slot)
            var hooks = ProjectionHooks<AdvocacyView>()
            hooks.needsOld = true
            hooks.changed = { old, new, key, txn in
                guard old?.advocacy.level != new.advocacy.level else { return }
                if let o = old?.advocacy.level, o > 0 { try txn.delete(index, key: [UInt8(o)] + key) }
                if new.advocacy.level > 0 { try txn.put(index, key: [UInt8(new.advocacy.level)] + key, value: []) }
            }
            hooks.clear = { txn in try txn.drop(index) }
            return AdvocacyProjection(core: ViewCore<AdvocacyView>(kind: kind, compiled: model, view: dbs.view(kind, "view", slot: slot), hooks: hooks), slot: slot)
        case .funnel:
            let aggregates = FunnelAggregates(database: dbs.view(kind, "aggregates", slot: slot), stages: model.model.stages.count)
            var hooks = ProjectionHooks<StageView>()
            hooks.needsOld = true
            hooks.beginChunk = { txn in try aggregates.load(txn) }
            hooks.changed = { old, new, key, txn in try aggregates.change(from: old?.stage, to: new.stage, key: key, txn: txn) }
            hooks.endChunk = { txn in try aggregates.save(txn) }
            hooks.clear = { txn in try aggregates.clear(txn) }
            return StageProjection(core: ViewCore<StageView>(kind: kind, compiled: model, view: dbs.view(kind, "view", slot: slot), hooks: hooks), slot: slot)
        }
    }
}
