import Foundation
public import JourneyStore
import LMDBKit

/// What a map is asked for: the segment, the cohort, the reference time and the thresholds.
public struct MapQuery: Sendable, Equatable {
    /// A segment of the model (`nil` or `all`: everyone).
    public var segment: String?
    /// Only customers first seen in [from, to).
    public var from: Timestamp?
    public var to: Timestamp?
    /// The reference time for in progress / stalled (default now).
    public var at: Timestamp?
    /// The least customers a moment of truth or pain point needs (default 30).
    public var minSupport: Int64 = 30
    /// A pain point's mean sentiment is below this (default −0.2) …
    public var painSentiment: Double = -0.2
    /// … or its lift below this (default 0.7).
    public var painLift: Double = 0.7
    /// At most this many touchpoints listed per stage, most customers first (default 50).
    public var touchpoints: Int = 50
    /// At most this many moments of truth per stage (default 5).
    public var moments: Int = 5

    public init() {}
}

extension JourneyQueries {
    /// The journey map from the journey-map projection (see ``MapOutput``). With a cohort
    /// window, the journeys first seen in it are read and summed here.
    public func map(_ q: MapQuery) throws(StoreError) -> MapOutput {
        try viewStore.withLiveViewsOnly { txn, views in
            try viewStore.requireBuilt(.journeyMap, in: txn)
            let (record, model) = try views(.journeyMap)
            let (history, _) = try views(.journeyHistory)
            let (g, name) = try Self.segment(q.segment, model: model)
            let at = q.at ?? Timestamp.now()
            let m = MapDatabases(viewStore.dbs, slot: record.slot)
            let stages = model.model.stages.count, metrics = model.model.advocacy.metrics.count
            let npsMetric = model.model.advocacy.metrics.firstIndex { $0.id == "nps" }
            var aggregate: SegmentAggregate
            var durations: (Int) throws -> MapOutput.Durations
            var split: (Int, Int64?) throws -> (Int64, Int64)
            if q.from != nil || q.to != nil {
                // A cohort: the journeys first seen in the window, summed here.
                aggregate = SegmentAggregate(stages: stages, metrics: metrics)
                var pairDurations = [[UInt64]](repeating: [], count: max(0, stages - 1))
                var since = [[Int64]](repeating: [], count: stages)
                let view = viewStore.dbs.view(.journeyHistory, "view", slot: history.slot)
                let lower = [UInt8(0x04)] + MapAggregates.sortable(q.from?.milliseconds ?? .min)
                let upper = [UInt8(0x04)] + MapAggregates.sortable(q.to?.milliseconds ?? .max)
                try txn.withCursor(m.index) { c in
                    var entry = try c.seek(atLeast: lower)
                    while let e = entry, e.key.first == 0x04, e.key.lexicographicallyPrecedes(upper) {
                        let key = Array(e.key.dropFirst(9))
                        if let raw = try txn.get(view, key: key) {
                            let j = try JourneyViews.decodeJourney(raw, model: model)
                            if model.segments(of: j.map).contains(g) {
                                aggregate.add(j, 1, stages: stages, npsMetric: npsMetric)
                                for p in pairDurations.indices { if let d = FunnelAggregates.duration(j.stage, p) { pairDurations[p].append(d) } }
                                if j.stage.current >= 0 { since[j.stage.current].append(j.stage.since) }
                            }
                        }
                        entry = try c.next()
                    }
                }
                for p in pairDurations.indices { pairDurations[p].sort() }
                durations = { p in Self.durations(pairDurations[p]) }
                split = { s, p90 in
                    guard let p90 else { return (Int64(since[s].count), 0) }
                    let stalled = since[s].filter { at.milliseconds - $0 > p90 }.count
                    return (Int64(since[s].count - stalled), Int64(stalled))
                }
            } else {
                aggregate = try MapAggregates.read(m.aggregates, segment: g, stages: stages, metrics: metrics, txn: txn)
                let counts = aggregate.counters.pairs
                durations = { p in try Self.durations(pair: p, segment: g, count: counts[p], db: m.index, txn: txn) }
                let current = aggregate.counters.current
                split = { s, p90 in
                    guard let p90 else { return (current[s], 0) }
                    let stalled = try Self.countEntered(before: at.milliseconds - p90, stage: s, segment: g, db: m.index, txn: txn)
                    return (current[s] - stalled, stalled)
                }
            }
            var out = MapOutput(
                modelVersion: record.modelVersion, segment: g == 0 ? "all" : model.model.segments[g - 1].id, segmentName: name,
                from: q.from?.rfc3339, to: q.to?.rfc3339, at: at.rfc3339, customers: aggregate.counters.customers, minSupport: q.minSupport, stages: [])
            for s in 0..<stages {
                out.stages.append(try stageOutput(s, aggregate, model: model, q: q, durations: durations, split: split, names: m.names, txn: txn))
            }
            return out
        }
    }

    /// The segment index (0: everyone) and name for a segment id.
    static func segment(_ id: String?, model: CompiledModel) throws(StoreError) -> (Int, String) {
        guard let id, id != "all" else { return (0, "every customer") }
        guard let i = model.model.segments.firstIndex(where: { $0.id == id }) else {
            var e = StoreError(.notFound, "segment: unknown segment \(id) (expected all\(model.model.segments.map { ", " + $0.id }.joined()))")
            e.field = "segment"
            throw e
        }
        return (i + 1, model.model.segments[i].name)
    }

    private func stageOutput(
        _ s: Int, _ a: SegmentAggregate, model: CompiledModel, q: MapQuery, durations: (Int) throws -> MapOutput.Durations,
        split: (Int, Int64?) throws -> (Int64, Int64), names: Database, txn: Transaction
    ) throws -> MapOutput.Stage {
        let m = model.model
        let st = a.stages[s]
        let reached = a.counters.reached[s]
        let hasNext = s + 1 < m.stages.count
        let timeToNext = hasNext ? try durations(s) : nil
        let p90 = timeToNext?.p90Seconds.map { Int64($0 * 1000) }
        let (inProgress, stalled) = try split(s, p90)
        let advanceRate = hasNext && reached > 0 ? Double(st.wentOn) / Double(reached) : nil
        var sentimentSum = 0.0, sentimentCount: Int64 = 0
        var touchpoints: [MapOutput.Touchpoint] = []
        for (key, t) in st.touches where t.customers > 0 {
            sentimentSum += t.sentimentSum
            sentimentCount += t.sentimentCount
            let (type, touchpoint, channel) = try Self.name(key, names, txn)
            var out = MapOutput.Touchpoint(type: type, touchpoint: touchpoint, channel: channel, events: t.events, customers: t.customers)
            if t.sentimentCount > 0 {
                out.sentiment = Self.rounded(t.sentimentSum / Double(t.sentimentCount))
                out.negativeShare = Double(t.negatives) / Double(t.sentimentCount)
            }
            if hasNext {
                out.advanceRate = Double(t.advanced) / Double(t.customers)
                if let base = advanceRate, base > 0 { out.lift = out.advanceRate! / base }
            }
            touchpoints.append(out)
        }
        touchpoints.sort { ($0.customers, $1.type, $1.touchpoint ?? "", $1.channel ?? "") > ($1.customers, $0.type, $0.touchpoint ?? "", $0.channel ?? "") }
        let supported = touchpoints.filter { $0.customers >= q.minSupport }
        let moments = supported.filter { ($0.lift ?? 1) != 1 && $0.lift != nil && $0.lift! > 0 }
            .sorted { abs(log($0.lift!)) > abs(log($1.lift!)) }
            .prefix(q.moments)
            .map { t in var t = t; t.effect = t.lift! > 1 ? "raises" : "lowers"; return t }
        let pains = supported.compactMap { t -> MapOutput.Touchpoint? in
            var reasons: [String] = []
            if let v = t.sentiment, v < q.painSentiment { reasons.append("sentiment") }
            if let l = t.lift, l < q.painLift { reasons.append("lift") }
            guard !reasons.isEmpty else { return nil }
            var p = t
            p.reasons = reasons
            return p
        }
        var kpis = MapOutput.KPIs(metrics: [:])
        for (i, metric) in m.advocacy.metrics.enumerated() where st.metricCount[i] > 0 {
            if metric.id == "nps" {
                kpis.nps = .init(score: Double(st.promoters - st.detractors) * 100 / Double(st.metricCount[i]), customers: st.metricCount[i],
                                 promoters: st.promoters, detractors: st.detractors)
            } else {
                kpis.metrics[metric.id] = .init(mean: Self.rounded(st.metricSum[i] / Double(st.metricCount[i])), customers: st.metricCount[i])
            }
        }
        if a.counters.current[s] > 0 { kpis.actionsPerCustomer = Double(st.actions) / Double(a.counters.current[s]) }
        return MapOutput.Stage(
            stage: m.stages[s], reached: reached, current: a.counters.current[s],
            conversionToNext: hasNext && reached > 0 ? Double(a.counters.reached[s + 1]) / Double(reached) : nil,
            advanceRate: advanceRate, timeToNext: timeToNext, inProgress: inProgress, stalled: stalled,
            sentiment: .init(mean: sentimentCount > 0 ? Self.rounded(sentimentSum / Double(sentimentCount)) : nil, count: sentimentCount),
            kpis: kpis, touchpoints: Array(touchpoints.prefix(q.touchpoints)), momentsOfTruth: Array(moments), painPoints: pains)
    }

    static func name(_ key: UInt64, _ names: Database, _ txn: Transaction) throws -> (String, String?, String?) {
        guard let raw = try txn.get(names, key: MapAggregates.keyBytes(key)) else { return ("?", nil, nil) }
        let n = MapAggregates.name(raw)
        return (n.type, n.touchpoint, n.channel)
    }

    static let percentiles = [0.5, 0.75, 0.9, 0.95]

    /// A mean of sums kept by adding and taking away, to 9 decimals: the last bits of a float
    /// sum depend on the order its terms came and went, the figure does not.
    static func rounded(_ x: Double) -> Double { (x * 1e9).rounded() / 1e9 }

    /// Nearest-rank percentiles of sorted durations (ms).
    static func durations(_ sorted: [UInt64]) -> MapOutput.Durations {
        var d = MapOutput.Durations(customers: Int64(sorted.count))
        guard !sorted.isEmpty else { return d }
        let v = percentiles.map { p in Double(sorted[max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1)]) / 1000 }
        (d.p50Seconds, d.p75Seconds, d.p90Seconds, d.p95Seconds) = (v[0], v[1], v[2], v[3])
        return d
    }

    /// The same from the map's duration index of one segment and stage pair.
    static func durations(pair: Int, segment g: Int, count n: Int64, db: Database, txn: Transaction) throws -> MapOutput.Durations {
        var d = MapOutput.Durations(customers: n)
        guard n > 0 else { return d }
        let ranks = percentiles.map { Int64((Double(n) * $0).rounded(.up)) }
        var values = [Double?](repeating: nil, count: ranks.count)
        let prefix: [UInt8] = [0x02, UInt8(g), UInt8(pair)]
        try txn.withCursor(db) { c in
            var rank: Int64 = 0
            var entry = try c.seek(atLeast: prefix)
            while let e = entry, e.key.count >= 11, e.key.starts(with: prefix), rank < ranks.last! {
                rank += 1
                for (i, r) in ranks.enumerated() where r == rank {
                    values[i] = Double(UInt64(bigEndian: e.key.loadUnaligned(fromByteOffset: 3, as: UInt64.self))) / 1000
                }
                entry = try c.next()
            }
        }
        (d.p50Seconds, d.p75Seconds, d.p90Seconds, d.p95Seconds) = (values[0], values[1], values[2], values[3])
        return d
    }

    /// How many customers of a segment now in `stage` entered it before `time` (ms).
    static func countEntered(before time: Int64, stage: Int, segment g: Int, db: Database, txn: Transaction) throws -> Int64 {
        let prefix: [UInt8] = [0x03, UInt8(g), UInt8(stage)]
        let bound = prefix + MapAggregates.sortable(time)
        var n: Int64 = 0
        try txn.withCursor(db) { c in
            var entry = try c.seek(atLeast: prefix)
            while let e = entry, e.key.starts(with: prefix), e.key.lexicographicallyPrecedes(bound) {
                n += 1
                entry = try c.next()
            }
        }
        return n
    }
}

/// The journey-map projection's databases in one slot.
struct MapDatabases {
    let aggregates: Database
    let index: Database
    let names: Database

    init(_ dbs: JourneyDatabases, slot: Int) {
        aggregates = dbs.view(.journeyMap, "aggregates", slot: slot)
        index = dbs.view(.journeyMap, "index", slot: slot)
        names = dbs.view(.journeyMap, "names", slot: slot)
    }
}
