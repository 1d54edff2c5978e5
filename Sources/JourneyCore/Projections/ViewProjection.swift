import JourneyStore
import LMDBKit

/// One slot of one projection, as a projection worker sees it: apply classified events, then
/// flush the changed customers (and the projection's indexes or aggregates) in the same
/// transaction as its checkpoint.
protocol AnyProjection: AnyObject {
    var kind: ProjectionKind { get }
    var slot: Int { get }
    var compiled: CompiledModel { get }
    /// The last position applied (as committed, or as applied within the running chunk).
    var checkpoint: UInt64 { get set }
    func apply(_ e: ClassifiedEvent, customerKey: [UInt8], customerId: @autoclosure () -> String, context: ChunkContext, txn: Transaction) throws
    func flush(_ txn: Transaction) throws
    func dropCache()
    func clear(_ txn: Transaction) throws
}

/// Hooks a projection runs when a customer's state changes (indexes, aggregates).
struct ProjectionHooks<State: FoldState> {
    var beginChunk: (Transaction) throws -> Void = { _ in }
    var changed: (_ old: State?, _ new: State, _ key: [UInt8], Transaction) throws -> Void = { _, _, _, _ in }
    var endChunk: (Transaction) throws -> Void = { _ in }
    var clear: (Transaction) throws -> Void = { _ in }
}

/// What a chunk shares between projections: how to re-read a customer's history for late events.
final class ChunkContext {
    let store: EventStore
    private var refolds: [String: [ClassifiedEvent]] = [:]
    private let modelKey: ObjectIdentifier?

    init(store: EventStore) {
        self.store = store
        modelKey = nil
    }

    /// The customer's events with position ≤ `upTo`, classified by `model`, in business order.
    func history(_ customerId: String, upTo: UInt64, model: CompiledModel, txn: Transaction) throws -> [ClassifiedEvent] {
        var events: [ClassifiedEvent] = []
        try store.forEachStreamRecord(customerId: customerId, upTo: upTo, in: txn) { p, r in
            events.append(model.classify(r, position: p))
        }
        events.sort(by: ClassifiedEvent.businessOrder)
        return events
    }
}

/// A projection whose view is one state per customer, with a write-back cache.
final class ViewProjection<State: FoldState>: AnyProjection {
    let kind: ProjectionKind
    let slot: Int
    let compiled: CompiledModel
    let view: Database
    let hooks: ProjectionHooks<State>
    var checkpoint: UInt64 = 0
    /// Most customers kept in the cache between chunks.
    let cacheLimit: Int

    private struct Entry {
        var state: State
        /// The state as stored (nil: not stored yet), to compute index and aggregate changes.
        var persisted: State?
    }

    private var cache: [[UInt8]: Entry] = [:]
    private var dirty: [[UInt8]] = []
    private var dirtySet: Set<[UInt8]> = []

    init(kind: ProjectionKind, slot: Int, compiled: CompiledModel, view: Database, hooks: ProjectionHooks<State>, cacheLimit: Int = 500_000) {
        self.kind = kind
        self.slot = slot
        self.compiled = compiled
        self.view = view
        self.hooks = hooks
        self.cacheLimit = cacheLimit
    }

    func apply(_ e: ClassifiedEvent, customerKey key: [UInt8], customerId: @autoclosure () -> String, context: ChunkContext, txn: Transaction) throws {
        if dirty.isEmpty { try hooks.beginChunk(txn) }
        var entry: Entry
        if let cached = cache[key] {
            entry = cached
        } else if let stored = try load(key, txn) {
            entry = Entry(state: stored, persisted: stored)
        } else {
            entry = Entry(state: State(customerId: customerId(), model: compiled), persisted: nil)
        }
        if entry.state.isLate(e) {
            // A late event: the history it belongs to is re-folded in business order, so the
            // result is exactly what in-order arrival would have given.
            var s = State(customerId: entry.state.customerId, model: compiled)
            for h in try context.history(entry.state.customerId, upTo: e.position, model: compiled, txn: txn) {
                s.apply(h, model: compiled)
            }
            entry.state = s
        } else {
            entry.state.apply(e, model: compiled)
        }
        cache[key] = entry
        if dirtySet.insert(key).inserted { dirty.append(key) }
    }

    private func load(_ key: [UInt8], _ txn: Transaction) throws -> State? {
        guard let raw = try txn.get(view, key: key) else { return nil }
        var r = ByteReader(raw)
        let format = r.u8()
        let id = r.string()
        let s = State.decode(&r, customerId: id, model: compiled)
        guard format == ViewCodec.format, !r.failed else {
            throw StoreError(.corrupt, "the \(kind.rawValue) view of customer \(id) does not decode; rebuild it (journeyctl rebuild \(kind.rawValue))")
        }
        return s
    }

    func flush(_ txn: Transaction) throws {
        guard !dirty.isEmpty else { return }
        dirty.sort { $0.lexicographicallyPrecedes($1) }
        try txn.withCursor(view) { c in
            for key in dirty {
                guard var entry = cache[key] else { continue }
                var w = ByteWriter()
                w.u8(ViewCodec.format)
                w.string(entry.state.customerId)
                entry.state.encode(&w)
                try key.withUnsafeBytes { k in try w.bytes.withUnsafeBytes { try c.put(key: k, value: $0) } }
                try hooks.changed(entry.persisted, entry.state, key, txn)
                entry.persisted = entry.state
                cache[key] = entry
            }
        }
        try hooks.endChunk(txn)
        dirty.removeAll(keepingCapacity: true)
        dirtySet.removeAll(keepingCapacity: true)
        if cache.count > cacheLimit { cache.removeAll(keepingCapacity: true) }
    }

    func dropCache() {
        cache.removeAll()
        dirty.removeAll()
        dirtySet.removeAll()
    }

    func clear(_ txn: Transaction) throws {
        try txn.drop(view)
        try hooks.clear(txn)
        dropCache()
        checkpoint = 0
    }
}
