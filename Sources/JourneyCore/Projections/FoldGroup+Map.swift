import JourneyStore
import LMDBKit

/// The journey map's part of the fold: the names of the touchpoints met, and its aggregates.
extension FoldGroup {
    /// Remembers the names behind an event's touchpoint the first time the group meets it.
    func noteTouchpoint(_ r: RecordView) {
        guard mapsTouchpoints,
              !CompiledModel.identityTypes.contains(where: { $0.elementsEqual(r.typeBytes) }) else { return }
        let key = TouchpointKey.of(type: r.typeBytes, touchpoint: r.touchpointBytes, channel: r.channelBytes)
        guard !knownNames.contains(key), pendingNames[key] == nil else { return }
        pendingNames[key] = MapAggregates.nameValue(type: r.type, touchpoint: r.touchpoint, channel: r.channel)
    }

    /// The map's aggregates, when the journey-map projection is among `members`.
    func mapAggregates(_ members: [Member]) -> MapAggregates? {
        guard let m = members.first(where: { $0.kind == .journeyMap }) else { return nil }
        return MapAggregates(
            aggregates: dbs.view(.journeyMap, "aggregates", slot: m.slot), index: dbs.view(.journeyMap, "index", slot: m.slot),
            names: dbs.view(.journeyMap, "names", slot: m.slot), model: model)
    }

    /// Stores the names met since the last flush (when the map is among `members`).
    func flushNames(_ members: [Member], txn: Transaction) throws {
        guard !pendingNames.isEmpty, let m = members.first(where: { $0.kind == .journeyMap }) else { return }
        let db = dbs.view(.journeyMap, "names", slot: m.slot)
        for (key, value) in pendingNames.sorted(by: { $0.key < $1.key }) {
            try txn.put(db, key: MapAggregates.keyBytes(key), value: value)
            knownNames.insert(key)
        }
        pendingNames.removeAll()
    }
}
