import JourneyJSON
import JourneyStore
import LMDBKit

/// The journey-map projection's databases, kept up to date from each journey's changes.
///
/// `aggregates`: key `0x01 ‖ segment` → the ``SegmentAggregate`` of every customer (segment 0)
/// or of one of the model's segments (1…). `index`, per segment: `0x02 ‖ segment ‖ pair ‖
/// duration ms ‖ customer` (times from a stage to the next, sorted: exact percentiles) and
/// `0x03 ‖ segment ‖ stage ‖ since ‖ customer` (customers now in a stage by when they entered
/// it: in progress or stalled at any reference time); for everyone: `0x04 ‖ first seen ‖
/// customer` (cohorts) and `0x05 ‖ last seen ‖ customer` (inactive customers). Times are 8
/// bytes that sort as signed milliseconds. `names`: touchpoint key → type, touchpoint, channel.
final class MapAggregates {
    let aggregates: Database
    let index: Database
    let names: Database
    let model: CompiledModel
    let npsMetric: Int?
    private var loaded: [Int: SegmentAggregate] = [:]
    private var changed: Set<Int> = []

    init(aggregates: Database, index: Database, names: Database, model: CompiledModel) {
        self.aggregates = aggregates
        self.index = index
        self.names = names
        self.model = model
        npsMetric = model.model.advocacy.metrics.firstIndex { $0.id == "nps" }
    }

    var stageCount: Int { model.model.stages.count }
    var metricCount: Int { model.model.advocacy.metrics.count }

    static func segmentKey(_ g: Int) -> [UInt8] { [0x01, UInt8(g)] }

    /// A time as 8 bytes that sort like the signed milliseconds.
    static func sortable(_ ms: Int64) -> [UInt8] {
        withUnsafeBytes(of: (UInt64(bitPattern: ms) ^ (1 << 63)).bigEndian) { Array($0) }
    }

    static func time(_ bytes: some Collection<UInt8>) -> Int64 {
        var v: UInt64 = 0
        for b in bytes.prefix(8) { v = v << 8 | UInt64(b) }
        return Int64(bitPattern: v ^ (1 << 63))
    }

    static func read(_ db: Database, segment g: Int, stages: Int, metrics: Int, txn: Transaction) throws -> SegmentAggregate {
        guard let raw = try txn.get(db, key: segmentKey(g)) else { return SegmentAggregate(stages: stages, metrics: metrics) }
        var r = ByteReader(raw)
        let a = SegmentAggregate.decode(&r, stages: stages, metrics: metrics)
        guard !r.failed else { throw StoreError(.corrupt, "the journey map's aggregates do not decode; rebuild the projections (journeyctl rebuild)") }
        return a
    }

    private func segment(_ g: Int, _ txn: Transaction) throws -> SegmentAggregate {
        if let a = loaded[g] { return a }
        let a = try Self.read(aggregates, segment: g, stages: stageCount, metrics: metricCount, txn: txn)
        loaded[g] = a
        return a
    }

    func save(_ txn: Transaction) throws {
        var w = ByteWriter(capacity: 4096)
        for g in changed.sorted() {
            w.bytes.removeAll(keepingCapacity: true)
            loaded[g]!.encode(&w)
            try txn.put(aggregates, key: Self.segmentKey(g), value: w.bytes)
        }
        changed.removeAll()
    }

    /// Moves a journey's contribution from `old` (nil: new) to `new` (nil: gone).
    func change(from old: CustomerJourney?, to new: CustomerJourney?, key: [UInt8], txn: Transaction) throws {
        let oldSegments = old.map { model.segments(of: $0.map) } ?? []
        let newSegments = new.map { model.segments(of: $0.map) } ?? []
        for g in Set(oldSegments).union(newSegments) {
            if loaded[g] == nil { loaded[g] = try segment(g, txn) }
            // Changed in place: a copy of the aggregate would copy its tables for every journey.
            if let old, oldSegments.contains(g) { loaded[g]!.add(old, -1, stages: stageCount, npsMetric: npsMetric) }
            if let new, newSegments.contains(g) { loaded[g]!.add(new, 1, stages: stageCount, npsMetric: npsMetric) }
            changed.insert(g)
            try updateKeys(old: oldSegments.contains(g) ? old : nil, new: newSegments.contains(g) ? new : nil, segment: g, key: key, txn: txn)
        }
        try replace(old.flatMap { Self.seenKey(0x04, $0.stage, first: true, key) }, new.flatMap { Self.seenKey(0x04, $0.stage, first: true, key) }, txn)
        try replace(old.flatMap { Self.seenKey(0x05, $0.stage, first: false, key) }, new.flatMap { Self.seenKey(0x05, $0.stage, first: false, key) }, txn)
    }

    private func replace(_ old: [UInt8]?, _ new: [UInt8]?, _ txn: Transaction) throws {
        guard old != new else { return }
        if let old { try txn.delete(index, key: old) }
        if let new { try txn.put(index, key: new, value: []) }
    }

    static func seenKey(_ tag: UInt8, _ s: StageState, first: Bool, _ key: [UInt8]) -> [UInt8]? {
        guard s.eventCount > 0 else { return nil }
        return [tag] + sortable(first ? s.firstSeen : s.lastSeen) + key
    }

    private func updateKeys(old: CustomerJourney?, new: CustomerJourney?, segment g: Int, key: [UInt8], txn: Transaction) throws {
        func since(_ j: CustomerJourney?) -> [UInt8]? {
            guard let s = j?.stage, s.current >= 0 else { return nil }
            return [0x03, UInt8(g), UInt8(s.current)] + Self.sortable(s.since) + key
        }
        try replace(since(old), since(new), txn)
        for pair in 0..<max(0, stageCount - 1) {
            let before = old.flatMap { FunnelAggregates.duration($0.stage, pair) }
            let after = new.flatMap { FunnelAggregates.duration($0.stage, pair) }
            guard before != after else { continue }
            func k(_ d: UInt64) -> [UInt8] {
                withUnsafeBytes(of: d.bigEndian) { [0x02, UInt8(g), UInt8(pair)] + Array($0) + key }
            }
            try replace(before.map(k), after.map(k), txn)
        }
    }

    // MARK: Names

    static func nameValue(type: String, touchpoint: String?, channel: String?) -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        w.string(type)
        w.u8(touchpoint == nil ? 0 : 1); w.string(touchpoint ?? "")
        w.u8(channel == nil ? 0 : 1); w.string(channel ?? "")
        return w.bytes
    }

    static func name(_ raw: UnsafeRawBufferPointer) -> (type: String, touchpoint: String?, channel: String?) {
        var r = ByteReader(raw)
        let type = r.string()
        let hasTouchpoint = r.u8() == 1, touchpoint = r.string()
        let hasChannel = r.u8() == 1, channel = r.string()
        return (type, hasTouchpoint ? touchpoint : nil, hasChannel ? channel : nil)
    }

    static func keyBytes(_ k: UInt64) -> [UInt8] { withUnsafeBytes(of: k.bigEndian) { Array($0) } }
}

extension CompiledModel {
    /// The segments (1-based; 0 is everyone, always first) a journey with these traits is in.
    func segments(of map: MapState) -> [Int] {
        var out = [0]
        for (i, s) in model.segments.enumerated() where s.criteria.allSatisfy({ $0.holds(map.trait($0.trait)) }) { out.append(i + 1) }
        return out
    }
}

extension TraitCriterion {
    /// Whether a trait value (nil: the customer has none) meets the criterion.
    func holds(_ v: JSONValue?) -> Bool {
        switch op {
        case .exists:
            let want: Bool = if case .bool(let b) = value { b } else { true }
            return (v != nil && v != .null) == want
        case .equals:
            guard let v else { return false }
            return v == value
        case .oneOf:
            guard let v, case .array(let options) = value else { return false }
            return options.contains(v)
        case .lessThan, .lessOrEqual, .greaterThan, .greaterOrEqual:
            guard case .number(let x)? = v, case .number(let y) = value else { return false }
            return op.compare(x, y)
        }
    }
}
