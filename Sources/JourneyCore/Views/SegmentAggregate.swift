import JourneyStore
import LMDBKit

/// The journey map's numbers for one segment (index 0: every customer), kept up to date from
/// each journey's changes like the funnel's: counts per stage, the touchpoints met in each stage
/// with sentiment and how many of the customers who met them went on, the KPIs of the customers
/// now in each stage, and the paths of those who went on.
struct SegmentAggregate: Sendable, Equatable {
    var counters: FunnelCounters
    var stages: [StageAggregate]

    init(stages: Int, metrics: Int) {
        counters = FunnelCounters(stages: stages)
        self.stages = (0..<stages).map { _ in StageAggregate(metrics: metrics) }
    }
}

/// One stage of a segment's map.
struct StageAggregate: Sendable, Equatable {
    /// The touchpoints met while in the stage.
    var touches: [UInt64: TouchAggregate] = [:]
    /// The last three touchpoints in the stage of customers who went on from it.
    var paths: [PathKey: Int64] = [:]
    /// Over the customers now in the stage: per metric, the sum and count of their readings.
    var metricSum: [Double]
    var metricCount: [Int64]
    /// Of those with an NPS reading: promoters (≥ 9) and detractors (≤ 6).
    var promoters: Int64 = 0
    var detractors: Int64 = 0
    /// Advocacy actions of the customers now in the stage, all kinds together.
    var actions: Int64 = 0
    /// Of the customers who reached the stage, those who reached a later one.
    var wentOn: Int64 = 0

    init(metrics: Int) {
        metricSum = Array(repeating: 0, count: metrics)
        metricCount = Array(repeating: 0, count: metrics)
    }
}

struct TouchAggregate: Sendable, Equatable {
    mutating func add(_ t: MapState.Touch, _ sign: Int64, advanced: Bool) {
        events += sign * Int64(t.events)
        customers += sign
        sentimentSum += Double(sign) * t.sentimentSum
        sentimentCount += sign * Int64(t.sentimentCount)
        negatives += sign * Int64(t.negatives)
        if advanced { self.advanced += sign }
    }

    var events: Int64 = 0
    var customers: Int64 = 0
    var sentimentSum: Double = 0
    var sentimentCount: Int64 = 0
    var negatives: Int64 = 0
    /// Of the customers who met it in the stage, those who reached a later stage.
    var advanced: Int64 = 0
}

/// Up to three touchpoint keys, oldest first (0: none).
struct PathKey: Hashable, Sendable {
    var a: UInt64, b: UInt64, c: UInt64

    init(_ keys: [UInt64]) {
        let k = Array(keys.suffix(3))
        a = k.count > 2 ? k[k.count - 3] : 0
        b = k.count > 1 ? k[k.count - 2] : 0
        c = k.last ?? 0
    }

    var keys: [UInt64] { [a, b, c].filter { $0 != 0 } }

    /// The last three touchpoints of a journey in `stage` (`nil`: none).
    init?(_ map: MapState, stage: Int) {
        guard let last = map.lastTouch(stage) else { return nil }
        let i = stage * 3
        a = map.recentSlots[i]
        b = map.recentSlots[i + 1]
        c = last
    }
}

extension SegmentAggregate {
    /// Adds (`sign` 1) or removes (−1) a journey's contribution.
    mutating func add(_ j: CustomerJourney, _ sign: Int64, stages stageCount: Int, npsMetric: Int?) {
        let s = j.stage
        if s.current >= 0 { counters.current[s.current] += sign } else { counters.noStage += sign }
        counters.customers += sign
        var furthest = -1
        for i in 0..<stageCount where s.entered[i] != nil {
            counters.reached[i] += sign
            furthest = i
        }
        for i in 0..<max(0, furthest) where s.entered[i] != nil { stages[i].wentOn += sign }
        for pair in 0..<max(0, stageCount - 1) where FunnelAggregates.duration(s, pair) != nil { counters.pairs[pair] += sign }
        for t in j.map.touches where Int(t.stage) < stageCount {
            stages[Int(t.stage)].touches[t.key, default: TouchAggregate()].add(t, sign, advanced: furthest > Int(t.stage))
        }
        for st in 0..<min(max(0, furthest), j.map.recentStages) {
            if let path = PathKey(j.map, stage: st) { stages[st].paths[path, default: 0] += sign }
        }
        guard s.current >= 0 else { return }
        let c = s.current
        for (m, reading) in j.advocacy.metrics.enumerated() {
            guard let reading else { continue }
            self.stages[c].metricSum[m] += Double(sign) * reading.value
            self.stages[c].metricCount[m] += sign
            if m == npsMetric {
                if reading.value >= 9 { self.stages[c].promoters += sign } else if reading.value <= 6 { self.stages[c].detractors += sign }
            }
        }
        self.stages[c].actions += sign * Int64(j.advocacy.counts.reduce(0) { $0 + Int($1) })
    }


    func encode(_ w: inout ByteWriter) {
        w.varint(UInt64(max(0, counters.customers)))
        w.varint(UInt64(max(0, counters.noStage)))
        for v in counters.current { w.varint(UInt64(max(0, v))) }
        for v in counters.reached { w.varint(UInt64(max(0, v))) }
        for v in counters.pairs { w.varint(UInt64(max(0, v))) }
        for s in stages {
            let touches = s.touches.filter { $0.value.customers > 0 }.sorted { $0.key < $1.key }
            w.varint(UInt64(touches.count))
            for (k, t) in touches {
                w.varint(k)
                w.varint(UInt64(max(0, t.events))); w.varint(UInt64(max(0, t.customers)))
                w.double(t.sentimentSum); w.varint(UInt64(max(0, t.sentimentCount)))
                w.varint(UInt64(max(0, t.negatives))); w.varint(UInt64(max(0, t.advanced)))
            }
            let paths = s.paths.filter { $0.value > 0 }.sorted { ($0.key.a, $0.key.b, $0.key.c) < ($1.key.a, $1.key.b, $1.key.c) }
            w.varint(UInt64(paths.count))
            for (p, n) in paths { w.varint(p.a); w.varint(p.b); w.varint(p.c); w.varint(UInt64(n)) }
            for v in s.metricSum { w.double(v) }
            for v in s.metricCount { w.varint(UInt64(max(0, v))) }
            w.varint(UInt64(max(0, s.promoters))); w.varint(UInt64(max(0, s.detractors))); w.varint(UInt64(max(0, s.actions)))
            w.varint(UInt64(max(0, s.wentOn)))
        }
    }

    static func decode(_ r: inout ByteReader, stages: Int, metrics: Int) -> SegmentAggregate {
        var g = SegmentAggregate(stages: stages, metrics: metrics)
        g.counters.customers = Int64(r.varint())
        g.counters.noStage = Int64(r.varint())
        for i in 0..<stages { g.counters.current[i] = Int64(r.varint()) }
        for i in 0..<stages { g.counters.reached[i] = Int64(r.varint()) }
        for i in 0..<max(0, stages - 1) { g.counters.pairs[i] = Int64(r.varint()) }
        for i in 0..<stages where !r.failed {
            let n = Int(min(r.varint(), 1 << 24))
            for _ in 0..<n where !r.failed {
                let k = r.varint()
                g.stages[i].touches[k] = TouchAggregate(
                    events: Int64(r.varint()), customers: Int64(r.varint()), sentimentSum: r.double(), sentimentCount: Int64(r.varint()),
                    negatives: Int64(r.varint()), advanced: Int64(r.varint()))
            }
            let np = Int(min(r.varint(), 1 << 24))
            for _ in 0..<np where !r.failed {
                let key = PathKey([r.varint(), r.varint(), r.varint()].filter { $0 != 0 })
                g.stages[i].paths[key] = Int64(r.varint())
            }
            for m in 0..<metrics { g.stages[i].metricSum[m] = r.double() }
            for m in 0..<metrics { g.stages[i].metricCount[m] = Int64(r.varint()) }
            g.stages[i].promoters = Int64(r.varint())
            g.stages[i].detractors = Int64(r.varint())
            g.stages[i].actions = Int64(r.varint())
            g.stages[i].wentOn = Int64(r.varint())
        }
        return g
    }
}
