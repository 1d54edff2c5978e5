import JourneyStore
import LMDBKit

/// Projections advanced together by one fold per customer.
///
/// Each event is folded once into the customer's ``CustomerJourney``; at the end of a chunk the
/// changed customers are written out, sorted by key, to every member's databases: the
/// journey-history view (the state itself), the stage and level indexes (when the stage or level
/// changed), and the funnel's counts and durations. States are cached between chunks and
/// loaded from `stateSource` (a journey-history view at the members' checkpoint) when not cached;
/// with no state source (a rebuild of derived projections alone) they live in memory only.
final class FoldGroup {
    struct Member {
        var kind: ProjectionKind
        var slot: Int
        var checkpoint: UInt64
    }

    let model: CompiledModel
    var members: [Member]
    let dbs: JourneyDatabases
    /// Where states not in the cache are read from.
    let stateSource: Database?
    let customers = CustomerTable()
    /// Whether the states fold the journey map's part (journey-history keeps it, journey-map
    /// derives from it); the others skip it, which is most of a fold's cost beyond the stage.
    let mapped: Bool
    /// Whether the journey map is a member (it keeps the touchpoints' names).
    let mapsTouchpoints: Bool

    private struct Entry {
        var state: CustomerJourney
        /// The state as of the last flush (nil: new), to see what changed.
        var persisted: CustomerJourney?
        var dirty: Bool
        var customer: Int
        /// The journey no longer exists (its streams joined another): deleted at the flush.
        var removed = false
    }

    private var local: [Int32] = []
    private var entries: [Entry] = []
    /// What ``warm(_:)`` read, kept so that the reads are not optimised away.
    var warmth = 0
    /// `entries[j].customer`, apart: sorting by it must not copy the entries.
    private var entryCustomers: [Int] = []
    private var dirty: [Int] = []
    private var funnel: [Int: FunnelAggregates] = [:]
    /// Erased customers and what their erasure records keep (see `FoldGroup+Erasure`).
    var erasures = ErasureIndex()
    /// The identity graph (see `FoldGroup+Identity`): loaded from `identityViews` on first use.
    var identity: IdentityGraph?
    /// Where the graph is kept: the journey-history slot of the members (nil without it: the
    /// graph is folded from the log into memory, like the states).
    let identityViews: IdentityViews?
    /// Per stream slot: the slot of its journey's canonical stream (-1: itself).
    var canonicalSlot: [Int32] = []
    /// Components whose membership changed since the last flush, and canonicals gone.
    var changedComponents: Set<[UInt8]> = []
    var changedEdges: [IdentityGraph.Edge] = []
    /// Touchpoint names met since the last flush, and those known to be stored (see `FoldGroup+Map`).
    var pendingNames: [UInt64: [UInt8]] = [:]
    var knownNames: Set<UInt64> = []

    init(model: CompiledModel, members: [Member], dbs: JourneyDatabases, stateSource: Database?) {
        self.model = model
        self.members = members
        self.dbs = dbs
        self.stateSource = stateSource
        mapped = members.contains { $0.kind == .journeyHistory || $0.kind == .journeyMap }
        mapsTouchpoints = members.contains { $0.kind == .journeyMap }
        identityViews = members.first { $0.kind == .journeyHistory }.map { IdentityViews(dbs, slot: $0.slot) }
    }

    /// Forgets cached states (after a failed transaction, or when another process moved on).
    func dropCache() {
        local.removeAll()
        entries.removeAll()
        entryCustomers.removeAll()
        dirty.removeAll()
        customers.removeAll()
        canonicalSlot.removeAll()
        if identityViews != nil { identity = nil }
        changedComponents.removeAll()
        changedEdges.removeAll()
        pendingNames.removeAll()
        knownNames.removeAll()
    }

    var cachedCustomers: Int { entries.count }

    /// Reads a little of each part of the cached state of `customer` (its entry and the first
    /// bytes of each of its arrays), so that folding it soon after finds them in the cache.
    func warm(_ customer: Int) {
        guard customer < local.count else { return }
        let j = Int(local[customer])
        guard j >= 0 else { return }
        warmth &+= entries[j].state.touchAll()
    }

    /// Applies one event (in log order) to the customer's state.
    func apply(_ e: ClassifiedEvent, record: RecordView, customer: Int, context: ChunkContext, txn: Transaction) throws {
        let j = try entry(customer, record: record, txn: txn)
        if entries[j].state.isLate(e) {
            // A late event: the history it belongs to is re-folded in business order, so the
            // result is exactly what in-order arrival would have given.
            var s = CustomerJourney(customerId: entries[j].state.customerId, model: model)
            for h in try context.history(keys: streams(of: customer), upTo: e.position, model: model) {
                s.apply(h, model: model, mapped: mapped)
            }
            entries[j].state = s
        } else {
            entries[j].state.apply(e, model: model, mapped: mapped)
        }
        markDirty(j)
    }

    /// Folds the journey in `customer` again from the events of the streams `keys` up to
    /// `upTo` (its identity changed), named `id`.
    func refold(customer: Int, id: String, keys: [[UInt8]], upTo: UInt64, context: ChunkContext, txn: Transaction) throws {
        let j = try entry(customer, id: id, txn: txn)
        var s = CustomerJourney(customerId: id, model: model)
        for h in try context.history(keys: keys, upTo: upTo, model: model) { s.apply(h, model: model, mapped: mapped) }
        entries[j].state = s
        entries[j].removed = false
        markDirty(j)
    }

    /// Whether the journey in `customer` has no events folded (a stream not seen yet).
    func hasNoEvents(_ customer: Int, txn: Transaction) throws -> Bool {
        let j = try entry(customer, id: "", txn: txn)
        return entries[j].removed || entries[j].state.stage.eventCount == 0
    }

    /// Moves the journey in `from` to `to` (which has none), named `id`: two journeys join and
    /// one of them is empty, so the joined fold is the other's as it is.
    func move(from: Int, to: Int, id: String, txn: Transaction) throws {
        var state = entries[try entry(from, id: id, txn: txn)].state
        state.customerId = id
        let j = try entry(to, id: id, txn: txn)
        entries[j].state = state
        entries[j].removed = false
        markDirty(j)
    }

    /// Removes the journey in `customer` (its streams joined another journey).
    func remove(customer: Int, txn: Transaction) throws {
        let j = try entry(customer, id: customers.keys[customer].bytes.first == CustomerKey.anonymousPrefix ? "" : String(decoding: customers.keys[customer].bytes, as: UTF8.self), txn: txn)
        entries[j].removed = true
        markDirty(j)
    }

    /// Replaces the customer's state (an erasure: the state it keeps).
    func replace(customer: Int, record: RecordView, txn: Transaction, _ change: (inout CustomerJourney) -> Void) throws {
        let j = try entry(customer, record: record, txn: txn)
        change(&entries[j].state)
        markDirty(j)
    }

    /// The index of the customer's entry, loading or creating its state.
    private func entry(_ customer: Int, record: RecordView, txn: Transaction) throws -> Int {
        if customer < local.count, local[customer] >= 0 { return Int(local[customer]) }
        let key = customers.keys[customer].bytes
        return try entry(customer, id: identity?.id(of: key) ?? record.stream.id, txn: txn)
    }

    private func entry(_ customer: Int, id: String, txn: Transaction) throws -> Int {
        if customer >= local.count { local.append(contentsOf: repeatElement(-1, count: customer - local.count + 1)) }
        var j = Int(local[customer])
        if j < 0 {
            let stored = try load(customers.keys[customer].bytes, txn)
            entries.append(Entry(
                state: stored ?? CustomerJourney(customerId: id, model: model),
                persisted: stored, dirty: false, customer: customer))
            entryCustomers.append(customer)
            j = entries.count - 1
            local[customer] = Int32(j)
        }
        return j
    }

    private func markDirty(_ j: Int) {
        if !entries[j].dirty {
            entries[j].dirty = true
            dirty.append(j)
        }
    }

    func load(_ key: [UInt8], _ txn: Transaction) throws -> CustomerJourney? {
        guard let source = stateSource, let raw = try txn.get(source, key: key) else { return nil }
        return try JourneyViews.decodeJourney(raw, model: model)
    }

    /// Writes the changed customers to the members whose checkpoint is below `upTo`.
    func flush(_ members: [Member], txn: Transaction) throws {
        try flushIdentity(members, txn: txn)
        guard !dirty.isEmpty else { return }
        dirty.sort { customers.precedes(entryCustomers[$0], entryCustomers[$1]) }
        let journey = members.first { $0.kind == .journeyHistory }.map { dbs.view(.journeyHistory, "view", slot: $0.slot) }
        let stageIndex = members.first { $0.kind == .customerStage }.map { dbs.view(.customerStage, "index", slot: $0.slot) }
        let levelIndex = members.first { $0.kind == .advocacy }.map { dbs.view(.advocacy, "index", slot: $0.slot) }
        let map = mapAggregates(members)
        try flushNames(members, txn: txn)
        var aggregates: FunnelAggregates?
        if let f = members.first(where: { $0.kind == .funnel }) {
            let a = FunnelAggregates(database: dbs.view(.funnel, "aggregates", slot: f.slot), stages: model.model.stages.count)
            try a.load(txn)
            aggregates = a
        }
        var w = ByteWriter(capacity: 512)
        for j in dirty {
            // In place: copies of the states would retain and release every array they hold.
            try write(&entries[j], journey: journey, stageIndex: stageIndex, levelIndex: levelIndex,
                      funnel: aggregates, map: map, buffer: &w, txn: txn)
        }
        try aggregates?.save(txn)
        try map?.save(txn)
        dirty.removeAll(keepingCapacity: true)
    }

    /// Writes one changed journey to the members' databases.
    private func write(
        _ e: inout Entry, journey: Database?, stageIndex: Database?, levelIndex: Database?,
        funnel: FunnelAggregates?, map: MapAggregates?, buffer w: inout ByteWriter, txn: Transaction
    ) throws {
        let key = customers.keys[e.customer].bytes
        let exists = !e.removed, existed = e.persisted != nil
        if let journey {
            if exists {
                w.bytes.removeAll(keepingCapacity: true)
                JourneyViews.encode(e.state, &w)
                try txn.put(journey, key: key, value: w.bytes)
            } else if existed {
                try txn.delete(journey, key: key)
            }
        }
        let oldStage = e.persisted?.stage.current ?? -1, newStage = exists ? e.state.stage.current : -1
        if let stageIndex, !existed || !exists || oldStage != newStage {
            if oldStage >= 0 { try txn.delete(stageIndex, key: [UInt8(oldStage)] + key) }
            if newStage >= 0 { try txn.put(stageIndex, key: [UInt8(newStage)] + key, value: []) }
        }
        let oldLevel = e.persisted?.advocacy.level ?? 0, newLevel = exists ? e.state.advocacy.level : 0
        if let levelIndex, oldLevel != newLevel {
            if oldLevel > 0 { try txn.delete(levelIndex, key: [UInt8(oldLevel)] + key) }
            if newLevel > 0 { try txn.put(levelIndex, key: [UInt8(newLevel)] + key, value: []) }
        }
        if existed || exists {
            try funnel?.change(from: e.persisted?.stage, to: exists ? e.state.stage : nil, key: key, txn: txn)
            try map?.change(from: e.persisted, to: exists ? e.state : nil, key: key, txn: txn)
        }
        e.persisted = exists ? e.state : nil
        e.dirty = false
    }

    /// Empties the members' databases (the start of a rebuild).
    func clear(_ txn: Transaction) throws {
        for m in members {
            for suffix in m.kind.databaseSuffixes { try txn.drop(dbs.view(m.kind, suffix, slot: m.slot)) }
        }
        dropCache()
    }
}

/// Encoding of the journey-history view value: format, customer id, state.
enum JourneyViews {
    static func encode(_ j: CustomerJourney, _ w: inout ByteWriter) {
        w.u8(ViewCodec.format)
        w.string(j.customerId)
        j.encode(&w)
    }

    /// Just the stage and advocacy state (not the history): what a state look-up needs.
    static func decodeState(_ raw: UnsafeRawBufferPointer, model: CompiledModel) throws -> (String, StageState, AdvocacyState) {
        var r = ByteReader(raw)
        let format = r.u8()
        let id = r.string()
        let stage = ViewCodec.readStage(&r, stages: model.model.stages.count)
        let advocacy = ViewCodec.readAdvocacy(&r, actions: model.model.advocacy.actionIds.count, metrics: model.model.advocacy.metrics.count)
        guard format == ViewCodec.format || format == 1, !r.failed else {
            throw StoreError(.corrupt, "the journey-history view of customer \(id) does not decode; rebuild the projections (journeyctl rebuild)")
        }
        return (id, stage, advocacy)
    }

    static func decodeJourney(_ raw: UnsafeRawBufferPointer, model: CompiledModel) throws -> CustomerJourney {
        var r = ByteReader(raw)
        let format = r.u8()
        let id = r.string()
        let j = CustomerJourney.decode(&r, customerId: id, model: model)
        guard format == ViewCodec.format || format == 1, !r.failed else {
            throw StoreError(.corrupt, "the journey-history view of customer \(id) does not decode; rebuild the projections (journeyctl rebuild)")
        }
        return j
    }
}

/// What a chunk needs beyond the group: the log's snapshot (to re-read a customer's history
/// for late events) and the opener of sealed properties, which collects the chunk's faults.
final class ChunkContext {
    let log: any LogSnapshot
    let opener: PropertiesOpener

    init(log: any LogSnapshot) {
        self.log = log
        opener = PropertiesOpener(log: log)
    }

    /// The events of the streams with keys `keys` (one journey) with position ≤ `upTo`,
    /// classified by `model`, in business order.
    func history(keys: [[UInt8]], upTo: UInt64, model: CompiledModel) throws -> [ClassifiedEvent] {
        var events: [ClassifiedEvent] = []
        for key in keys {
            try log.forEachStreamRecord(key: key, upTo: upTo) { p, r in
                if r.kind == .event { events.append(try model.classify(r, position: p, opener: opener)) }
            }
        }
        events.sort(by: ClassifiedEvent.businessOrder)
        return events
    }
}
