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
    func apply(_ e: ClassifiedEvent, customer: Int, context: ChunkContext, txn: Transaction) throws
    func flush(_ txn: Transaction) throws
    func dropCache()
    func clear(_ txn: Transaction) throws
}

/// A customer's view key (the store's customer key) with a fast hash.
struct CustomerKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: CustomerKey, b: CustomerKey) -> Bool {
        a.bytes.count == b.bytes.count && a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
    }

    static func precedes(_ a: CustomerKey, _ b: CustomerKey) -> Bool {
        a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
    }
}

/// Hooks a projection runs when a customer's state changes (indexes, aggregates).
struct ProjectionHooks<State: FoldState> {
    /// Whether `changed` needs the previously stored state (read back at flush time).
    var needsOld = false
    var beginChunk: (Transaction) throws -> Void = { _ in }
    var changed: (_ old: State?, _ new: State, _ key: [UInt8], Transaction) throws -> Void = { _, _, _, _ in }
    var endChunk: (Transaction) throws -> Void = { _ in }
    var clear: (Transaction) throws -> Void = { _ in }
}

/// Customer keys interned to small numbers, shared by the projections a worker processes
/// together, so each event costs one hash lookup whatever the number of projections. An
/// open-addressing table over the key bytes: looking up needs no allocation.
final class CustomerTable {
    private(set) var keys: [CustomerKey] = []
    /// Sort keys: the first 16 bytes of each key, big-endian, for fast ordering.
    private(set) var prefixes: [(UInt64, UInt64)] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32] = Array(repeating: -1, count: 1024)

    var count: Int { keys.count }

    @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(b.count)
        var i = 0
        while i + 8 <= b.count {
            h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < b.count {
            tail |= UInt64(b[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }

    /// The number of the customer whose key is `bytes`, interning it when new.
    func slot(_ bytes: UnsafeRawBufferPointer) -> Int {
        let h = Self.hash(bytes)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s < 0 { break }
            if hashes[Int(s)] == h && keys[Int(s)].bytes.elementsEqual(bytes) { return Int(s) }
            i = (i + 1) & mask
        }
        let n = keys.count
        slots[i] = Int32(n)
        hashes.append(h)
        let key = CustomerKey(Array(bytes))
        keys.append(key)
        var p: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &p) { out in
            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<min(16, bytes.count)]))
        }
        prefixes.append((UInt64(bigEndian: p.0), UInt64(bigEndian: p.1)))
        if keys.count * 2 > slots.count { grow() }
        return n
    }

    private func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (n, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(n)
        }
    }

    /// Whether customer `a`'s key sorts before `b`'s.
    @inline(__always)
    func precedes(_ a: Int, _ b: Int) -> Bool {
        let x = prefixes[a], y = prefixes[b]
        if x.0 != y.0 { return x.0 < y.0 }
        if x.1 != y.1 { return x.1 < y.1 }
        return CustomerKey.precedes(keys[a], keys[b])
    }

    func removeAll() {
        keys.removeAll()
        prefixes.removeAll()
        hashes.removeAll()
        slots = Array(repeating: -1, count: 1024)
    }
}

/// What a chunk shares between projections: the current record, the customer table, and how
/// to re-read a customer's history for late events.
final class ChunkContext {
    let store: EventStore
    let customers: CustomerTable
    /// The record being applied (valid only during `apply`).
    var record: RecordView?

    init(store: EventStore, customers: CustomerTable) {
        self.store = store
        self.customers = customers
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

/// The body of a projection whose view is one state per customer, with a write-back cache.
/// Generic, final, and called only with concrete types (see ``ProjectionFactory``), so the
/// compiler specialises it for each state.
final class ViewCore<State: FoldState> {
    let kind: ProjectionKind
    let compiled: CompiledModel
    let view: Database
    let hooks: ProjectionHooks<State>

    private struct Entry {
        var state: State
        /// The state as stored (kept only when the hooks compare old and new).
        var persisted: State?
        var dirty: Bool
        /// The shared customer number.
        var customer: Int
    }

    /// Shared customer number → index into `entries` (−1: not loaded by this projection).
    private var local: [Int32] = []
    private var entries: [Entry] = []
    private var dirty: [Int] = []
    private var table: CustomerTable?

    init(kind: ProjectionKind, compiled: CompiledModel, view: Database, hooks: ProjectionHooks<State>) {
        self.kind = kind
        self.compiled = compiled
        self.view = view
        self.hooks = hooks
    }

    @inline(__always)
    func apply(_ e: ClassifiedEvent, customer: Int, context: ChunkContext, txn: Transaction) throws {
        if dirty.isEmpty { try hooks.beginChunk(txn) }
        table = context.customers
        if customer >= local.count { local.append(contentsOf: repeatElement(-1, count: customer - local.count + 1)) }
        var j = Int(local[customer])
        if j < 0 {
            let stored = try load(context.customers.keys[customer].bytes, txn)
            let state = stored ?? State(customerId: context.record!.customerId, model: compiled)
            entries.append(Entry(state: state, persisted: hooks.needsOld ? stored : nil, dirty: false, customer: customer))
            j = entries.count - 1
            local[customer] = Int32(j)
        }
        if entries[j].state.isLate(e) {
            // A late event: the history it belongs to is re-folded in business order, so the
            // result is exactly what in-order arrival would have given.
            var s = State(customerId: entries[j].state.customerId, model: compiled)
            for h in try context.history(s.customerId, upTo: e.position, model: compiled, txn: txn) {
                s.apply(h, model: compiled)
            }
            entries[j].state = s
        } else {
            entries[j].state.apply(e, model: compiled)
        }
        if !entries[j].dirty {
            entries[j].dirty = true
            dirty.append(j)
        }
    }

    func load(_ key: [UInt8], _ txn: Transaction) throws -> State? {
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
        guard !dirty.isEmpty, let table else { return }
        dirty.sort { table.precedes(entries[$0].customer, entries[$1].customer) }
        var w = ByteWriter(capacity: 256)
        try txn.withCursor(view) { c in
            for j in dirty {
                let key = table.keys[entries[j].customer].bytes
                try hooks.changed(entries[j].persisted, entries[j].state, key, txn)
                w.bytes.removeAll(keepingCapacity: true)
                w.u8(ViewCodec.format)
                w.string(entries[j].state.customerId)
                entries[j].state.encode(&w)
                try key.withUnsafeBytes { k in try w.bytes.withUnsafeBytes { try c.put(key: k, value: $0) } }
                entries[j].dirty = false
                if hooks.needsOld { entries[j].persisted = entries[j].state }
            }
        }
        try hooks.endChunk(txn)
        dirty.removeAll(keepingCapacity: true)
    }

    func dropCache() {
        local.removeAll()
        entries.removeAll()
        dirty.removeAll()
    }

    func clear(_ txn: Transaction) throws {
        try txn.drop(view)
        try hooks.clear(txn)
        dropCache()
    }
}

/// The concrete projections: each forwards to a ``ViewCore`` of a concrete state, so the
/// compiler specialises the core for it (a generic wrapper would run it unspecialised).
final class StageProjection: AnyProjection {
    let core: ViewCore<StageView>
    let slot: Int
    var checkpoint: UInt64 = 0
    var kind: ProjectionKind { core.kind }
    var compiled: CompiledModel { core.compiled }
    init(core: ViewCore<StageView>, slot: Int) { self.core = core; self.slot = slot }
    func apply(_ e: ClassifiedEvent, customer: Int, context: ChunkContext, txn: Transaction) throws {
        try core.apply(e, customer: customer, context: context, txn: txn)
    }
    func flush(_ txn: Transaction) throws { try core.flush(txn) }
    func dropCache() { core.dropCache() }
    func clear(_ txn: Transaction) throws { try core.clear(txn); checkpoint = 0 }
}

final class AdvocacyProjection: AnyProjection {
    let core: ViewCore<AdvocacyView>
    let slot: Int
    var checkpoint: UInt64 = 0
    var kind: ProjectionKind { core.kind }
    var compiled: CompiledModel { core.compiled }
    init(core: ViewCore<AdvocacyView>, slot: Int) { self.core = core; self.slot = slot }
    func apply(_ e: ClassifiedEvent, customer: Int, context: ChunkContext, txn: Transaction) throws {
        try core.apply(e, customer: customer, context: context, txn: txn)
    }
    func flush(_ txn: Transaction) throws { try core.flush(txn) }
    func dropCache() { core.dropCache() }
    func clear(_ txn: Transaction) throws { try core.clear(txn); checkpoint = 0 }
}

final class JourneyProjection: AnyProjection {
    let core: ViewCore<CustomerJourney>
    let slot: Int
    var checkpoint: UInt64 = 0
    var kind: ProjectionKind { core.kind }
    var compiled: CompiledModel { core.compiled }
    init(core: ViewCore<CustomerJourney>, slot: Int) { self.core = core; self.slot = slot }
    func apply(_ e: ClassifiedEvent, customer: Int, context: ChunkContext, txn: Transaction) throws {
        try core.apply(e, customer: customer, context: context, txn: txn)
    }
    func flush(_ txn: Transaction) throws { try core.flush(txn) }
    func dropCache() { core.dropCache() }
    func clear(_ txn: Transaction) throws { try core.clear(txn); checkpoint = 0 }
}

#if canImport(Glibc)
import Glibc
#endif
