public import JourneyStore
import LMDBKit

/// Where customers go before they drop (paths) and who is at risk, from the journey-map
/// projection and the journeys.
extension JourneyQueries {
    /// The most frequent last three touchpoints in `stage` of the customers now stalled in it
    /// (longer than its p90 time to next at `at`), and of those who went on from it.
    public func mapPaths(stage: String, segment: String? = nil, at: Timestamp? = nil, limit: Int = 10) throws(StoreError) -> MapPathsOutput {
        try viewStore.withLiveViewsOnly { txn, views in
            try viewStore.requireBuilt(.journeyMap, in: txn)
            let (record, model) = try views(.journeyMap)
            let (history, _) = try views(.journeyHistory)
            guard let s = model.model.stages.firstIndex(of: stage) else {
                var e = StoreError(.notFound, "stage: unknown stage \(stage) (the model's stages are \(model.model.stages.joined(separator: ", ")))")
                e.field = "stage"
                throw e
            }
            let (g, _) = try Self.segment(segment, model: model)
            let at = at ?? Timestamp.now()
            let m = MapDatabases(viewStore.dbs, slot: record.slot)
            let aggregate = try MapAggregates.read(m.aggregates, segment: g, stages: model.model.stages.count, metrics: model.model.advocacy.metrics.count, txn: txn)
            func named(_ counts: [PathKey: Int64]) throws -> [MapPathsOutput.Path] {
                try counts.filter { $0.value > 0 }
                    .sorted { ($0.value, $1.key.a, $1.key.b, $1.key.c) > ($1.value, $0.key.a, $0.key.b, $0.key.c) }
                    .prefix(limit)
                    .map { p, n in
                        MapPathsOutput.Path(touchpoints: try p.keys.map { k in
                            let (type, tp, ch) = try Self.name(k, m.names, txn)
                            return [type, tp, ch].compactMap { $0 }.joined(separator: " · ")
                        }, customers: n)
                    }
            }
            var stalled: [PathKey: Int64] = [:]
            if s + 1 < model.model.stages.count,
               let p90 = try Self.durations(pair: s, segment: g, count: aggregate.counters.pairs[s], db: m.index, txn: txn).p90Seconds {
                let view = viewStore.dbs.view(.journeyHistory, "view", slot: history.slot)
                let prefix: [UInt8] = [0x03, UInt8(g), UInt8(s)]
                let bound = prefix + MapAggregates.sortable(at.milliseconds - Int64(p90 * 1000))
                try txn.withCursor(m.index) { c in
                    var entry = try c.seek(atLeast: prefix)
                    while let e = entry, e.key.starts(with: prefix), e.key.lexicographicallyPrecedes(bound) {
                        if let raw = try txn.get(view, key: Array(e.key.dropFirst(11))) {
                            let j = try JourneyViews.decodeJourney(raw, model: model)
                            if let path = PathKey(j.map, stage: s) { stalled[path, default: 0] += 1 }
                        }
                        entry = try c.next()
                    }
                }
            }
            return MapPathsOutput(stage: stage, segment: g == 0 ? "all" : model.model.segments[g - 1].id, at: at.rfc3339,
                                  stalled: try named(stalled), wentOn: try named(aggregate.stages[s].paths))
        }
    }

    /// Customers now at risk, in key order, a page at a time: `stalled` (in their stage longer
    /// than its p90 time to next at `at`), `detractor`, `inactive` (no event for more than the
    /// model's `inactiveDays`). `stage` and `reason` narrow the list; `after` is the previous
    /// page's `next`.
    public func atRisk(stage: String? = nil, reason: String? = nil, at: Timestamp? = nil, after: String? = nil, limit: Int = 100) throws(StoreError) -> AtRiskPage {
        if let reason, !["stalled", "detractor", "inactive"].contains(reason) {
            var e = StoreError(.invalidArgument, "reason: expected stalled, detractor or inactive, got \(reason)")
            e.field = "reason"
            throw e
        }
        var start: [UInt8]?
        if let after {
            guard let key = Self.unhex(after), !key.isEmpty else {
                var e = StoreError(.invalidArgument, "after: expected the next of a previous page, got \(after)")
                e.field = "after"
                throw e
            }
            start = key
        }
        return try viewStore.withLiveViewsOnly { txn, views in
            try viewStore.requireBuilt(.journeyMap, in: txn)
            let (record, model) = try views(.journeyMap)
            let (history, _) = try views(.journeyHistory)
            let stages = model.model.stages
            var only: Int?
            if let stage {
                guard let s = stages.firstIndex(of: stage) else {
                    var e = StoreError(.notFound, "stage: unknown stage \(stage) (the model's stages are \(stages.joined(separator: ", ")))")
                    e.field = "stage"
                    throw e
                }
                only = s
            }
            let at = at ?? Timestamp.now()
            let m = MapDatabases(viewStore.dbs, slot: record.slot)
            let counters = try MapAggregates.read(m.aggregates, segment: 0, stages: stages.count, metrics: model.model.advocacy.metrics.count, txn: txn).counters
            var p90: [Int64?] = []
            for s in 0..<stages.count {
                p90.append(s + 1 < stages.count
                    ? try Self.durations(pair: s, segment: 0, count: counters.pairs[s], db: m.index, txn: txn).p90Seconds.map { Int64($0 * 1000) } : nil)
            }
            let inactiveMs = Int64(model.model.inactiveDays) * 86_400_000
            var out = AtRiskPage(at: at.rfc3339, customers: [])
            let view = viewStore.dbs.view(.journeyHistory, "view", slot: history.slot)
            try txn.withCursor(view) { c in
                var entry = try start.map { k in try c.seek(atLeast: k).flatMap { $0.key.elementsEqual(k) ? try c.next() : $0 } } ?? c.first()
                while let e = entry {
                    let key = Array(e.key)
                    let j = try JourneyViews.decodeJourney(e.value, model: model)
                    let s = j.stage
                    if only == nil || s.current == only! {
                        var reasons: [String] = []
                        if s.current >= 0, let limit = p90[s.current], at.milliseconds - s.since > limit { reasons.append("stalled") }
                        if j.advocacy.detractor { reasons.append("detractor") }
                        if s.eventCount > 0, at.milliseconds - s.lastSeen > inactiveMs { reasons.append("inactive") }
                        if !reasons.isEmpty && (reason == nil || reasons.contains(reason!)) {
                            if out.customers.count == limit {
                                out.next = Self.hex(out.lastKey)
                                return
                            }
                            var last: String?
                            if let k = j.map.lastTouch(s.current) {
                                let (type, tp, ch) = try Self.name(k, m.names, txn)
                                last = [type, tp, ch].compactMap { $0 }.joined(separator: " · ")
                            }
                            out.customers.append(.init(
                                customerId: j.customerId, reasons: reasons, stage: s.current >= 0 ? stages[s.current] : nil,
                                since: s.current >= 0 ? iso(s.since) : nil, lastSeen: s.eventCount > 0 ? iso(s.lastSeen) : nil, lastTouchpoint: last))
                            out.lastKey = key
                        }
                    }
                    entry = try c.next()
                }
            }
            return out
        }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).leftPadded(2) }.joined() }

    static func unhex(_ text: String) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = text.startIndex
        while i < text.endIndex {
            let j = text.index(i, offsetBy: 2)
            guard let b = UInt8(text[i..<j], radix: 16) else { return nil }
            out.append(b)
            i = j
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
