import JourneyStore
import LMDBKit

/// The funnel's numbers, kept up to date from each customer's stage changes.
///
/// Key `0x01`: counters (customers per current stage, per stage ever reached, per stage pair
/// with a duration). Keys `0x02 ‖ pair ‖ duration ms (8 bytes BE) ‖ customer key`: one entry
/// per customer who entered stage `pair` and then `pair + 1`, sorted by duration, so the median
/// and p90 are exact (nearest rank).
final class FunnelAggregates {
    let database: Database
    let stages: Int
    var counters: FunnelCounters
    private var loaded = false
    private var changed = false

    init(database: Database, stages: Int) {
        self.database = database
        self.stages = stages
        counters = FunnelCounters(stages: stages)
    }

    static let countersKey: [UInt8] = [0x01]

    func load(_ txn: Transaction) throws {
        counters = try Self.read(database, stages: stages, txn: txn)
        loaded = true
        changed = false
    }

    static func read(_ db: Database, stages: Int, txn: Transaction) throws -> FunnelCounters {
        var c = FunnelCounters(stages: stages)
        guard let raw = try txn.get(db, key: countersKey) else { return c }
        var r = ByteReader(raw)
        c.customers = Int64(r.varint())
        c.noStage = Int64(r.varint())
        for i in 0..<stages { c.current[i] = Int64(r.varint()) }
        for i in 0..<stages { c.reached[i] = Int64(r.varint()) }
        for i in 0..<max(0, stages - 1) { c.pairs[i] = Int64(r.varint()) }
        guard !r.failed else { throw StoreError(.corrupt, "the funnel counters do not decode; rebuild the funnel") }
        return c
    }

    func save(_ txn: Transaction) throws {
        guard changed else { return }
        var w = ByteWriter()
        w.varint(UInt64(max(0, counters.customers)))
        w.varint(UInt64(max(0, counters.noStage)))
        for v in counters.current { w.varint(UInt64(max(0, v))) }
        for v in counters.reached { w.varint(UInt64(max(0, v))) }
        for v in counters.pairs { w.varint(UInt64(max(0, v))) }
        try txn.put(database, key: Self.countersKey, value: w.bytes)
        changed = false
    }

    func clear(_ txn: Transaction) throws {
        try txn.drop(database)
        counters = FunnelCounters(stages: stages)
        changed = false
    }

    /// Moves a customer's contribution from `old` (nil: a new customer) to `new` (nil: the
    /// customer is gone, e.g. merged into another).
    func change(from old: StageState?, to new: StageState?, key: [UInt8], txn: Transaction) throws {
        if !loaded { try load(txn) }
        changed = true
        if let old {
            if old.current >= 0 { counters.current[old.current] -= 1 } else { counters.noStage -= 1 }
        }
        if let new {
            if new.current >= 0 { counters.current[new.current] += 1 } else { counters.noStage += 1 }
        }
        counters.customers += (new == nil ? 0 : 1) - (old == nil ? 0 : 1)
        for i in 0..<stages {
            let was = old?.entered[i] != nil
            let now = new?.entered[i] != nil
            if was != now { counters.reached[i] += now ? 1 : -1 }
        }
        for pair in 0..<max(0, stages - 1) {
            let before = old.flatMap { Self.duration($0, pair) }
            let after = new.flatMap { Self.duration($0, pair) }
            guard before != after else { continue }
            if let before {
                try txn.delete(database, key: Self.durationKey(pair, before, key))
                counters.pairs[pair] -= 1
            }
            if let after {
                try txn.put(database, key: Self.durationKey(pair, after, key), value: [])
                counters.pairs[pair] += 1
            }
        }
    }

    /// Milliseconds from entering stage `pair` to entering `pair + 1`, when both were entered in that order.
    static func duration(_ s: StageState, _ pair: Int) -> UInt64? {
        guard let a = s.entered[pair], let b = s.entered[pair + 1], b >= a else { return nil }
        return UInt64(b - a)
    }

    static func durationKey(_ pair: Int, _ duration: UInt64, _ customerKey: [UInt8]) -> [UInt8] {
        var k: [UInt8] = [0x02, UInt8(pair)]
        withUnsafeBytes(of: duration.bigEndian) { k.append(contentsOf: $0) }
        k.append(contentsOf: customerKey)
        return k
    }
}

/// Counts kept by ``FunnelAggregates``.
struct FunnelCounters: Sendable, Equatable {
    var customers: Int64 = 0
    var noStage: Int64 = 0
    var current: [Int64]
    var reached: [Int64]
    var pairs: [Int64]

    init(stages: Int) {
        current = Array(repeating: 0, count: stages)
        reached = Array(repeating: 0, count: stages)
        pairs = Array(repeating: 0, count: max(0, stages - 1))
    }
}
