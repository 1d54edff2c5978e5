/// A customer's advocacy, as of the events applied so far (in business order).
public struct AdvocacyState: Sendable, Equatable {
    /// 0 = none; k = the model's k-th level.
    public var level: Int = 0
    /// When the current level was reached (business time).
    public var since: Int64 = 0
    /// Levels ever reached (bit k−1 for level k), for levels that are retained.
    public var reached: UInt32 = 0
    /// Actions counted, per action id.
    public var counts: [UInt32]
    /// Latest value of each metric, when and where it was seen.
    public var metrics: [MetricReading?]
    /// Whether the detractor criterion holds.
    public var detractor: Bool = false
    /// Recent actions: all within the model's widest window of the latest event, plus the last
    /// few (evidence for count criteria without a window).
    public var recent: [ActionRecord] = []

    public struct MetricReading: Sendable, Equatable {
        public var value: Double
        public var at: Int64
        public var position: UInt64
    }

    public struct ActionRecord: Sendable, Equatable {
        public var at: Int64
        public var action: Int
        public var position: UInt64
    }

    /// One read from each array (see `CustomerJourney.touchAll`).
    func touchAll() -> Int { counts.count &+ metrics.count &+ recent.count }

    public init(actions: Int, metrics: Int) {
        counts = Array(repeating: 0, count: actions)
        self.metrics = Array(repeating: nil, count: metrics)
    }
}

/// One advocacy level change, with the events that satisfied (or broke) the level's criteria.
public struct AdvocacyChange: Sendable, Equatable {
    public var from: Int
    public var to: Int
    public var at: Int64
    public var position: UInt64
    /// Positions of the evidence events, oldest first.
    public var evidence: [UInt64]
}

extension AdvocacyState {
    /// Applies one event (in business order); returns the level change it causes, if any.
    mutating func apply(_ e: ClassifiedEvent, compiled: CompiledModel) -> AdvocacyChange? {
        let def = compiled.model.advocacy
        for m in e.metrics {
            metrics[Int(m.metric)] = MetricReading(value: m.value, at: e.occurredAt, position: e.position)
        }
        if e.action >= 0 {
            counts[Int(e.action)] += 1
            recent.append(ActionRecord(at: e.occurredAt, action: Int(e.action), position: e.position))
        }
        // Keep what a criterion can still need: actions inside the widest window, and the last few.
        if recent.count > compiled.recentActionsKept {
            let horizon = e.occurredAt - compiled.maxWindowMs
            let keepFrom = recent.count - compiled.recentActionsKept
            var kept: [ActionRecord] = []
            kept.reserveCapacity(recent.count)
            for (i, a) in recent.enumerated() where i >= keepFrom || (compiled.maxWindowMs > 0 && a.at >= horizon) {
                kept.append(a)
            }
            recent = kept
        }
        // Levels can only change when a metric or an action changed, unless a level that is not
        // retained has a windowed criterion (time passing can then end it).
        guard !e.metrics.isEmpty || e.action >= 0 || compiled.levelsDependOnTime else { return nil }
        if let d = def.detractor { detractor = holds(d, at: e.occurredAt, def: def).holds }
        var best = 0
        var evidence: [UInt64] = []
        for (k, level) in def.levels.enumerated().reversed() {
            let results = level.when.map { holds($0, at: e.occurredAt, def: def) }
            if results.allSatisfy(\.holds) {
                best = k + 1
                evidence = results.flatMap(\.evidence)
                break
            }
            if level.retain && reached & (1 << UInt32(k)) != 0 {
                best = k + 1
                break
            }
        }
        if best > 0 { reached |= 1 << UInt32(best - 1) }
        guard best != level else { return nil }
        if evidence.isEmpty { evidence = [e.position] }
        let change = AdvocacyChange(from: level, to: best, at: e.occurredAt, position: e.position,
                                    evidence: Array(Set(evidence)).sorted())
        level = best
        since = e.occurredAt
        return change
    }

    /// Whether a criterion holds at business time `now`, and the events that show it.
    func holds(_ c: AdvocacyDefinition.Criterion, at now: Int64, def: AdvocacyDefinition) -> (holds: Bool, evidence: [UInt64]) {
        switch c {
        case .metric(let index, let op, let value):
            guard let reading = metrics[index] else { return (false, []) }
            return (op.compare(reading.value, value), [reading.position])
        case .actions(let ids, let days, let op, let value):
            let count: Double
            if let days {
                let horizon = now - Int64(days) * 86_400_000
                var n = 0
                for a in recent where a.at >= horizon && (ids == nil || ids!.contains(a.action)) { n += 1 }
                count = Double(n)
            } else {
                count = Double(ids.map { $0.reduce(UInt32(0)) { $0 + counts[$1] } } ?? counts.reduce(0, +))
            }
            let ok = op.compare(count, value)
            guard ok else { return (false, []) }
            // Evidence: the latest actions that make up the count.
            let needed = max(1, Int(value.rounded(.up)))
            let horizon = days.map { now - Int64($0) * 86_400_000 } ?? .min
            var evidence: [UInt64] = []
            for a in recent.reversed() where a.at >= horizon && (ids == nil || ids!.contains(a.action)) {
                evidence.append(a.position)
                if evidence.count == needed { break }
            }
            return (true, evidence)
        case .actionTypes(let days, let op, let value):
            let horizon = days.map { now - Int64($0) * 86_400_000 } ?? .min
            let distinct: Double
            if days == nil {
                distinct = Double(counts.filter { $0 > 0 }.count)
            } else {
                var seen: UInt64 = 0
                for a in recent where a.at >= horizon { seen |= 1 << UInt64(a.action & 63) }
                distinct = Double(seen.nonzeroBitCount)
            }
            guard op.compare(distinct, value) else { return (false, []) }
            // Evidence: the latest action of each kind in the window.
            var latest: [Int: UInt64] = [:]
            for a in recent where a.at >= horizon { latest[a.action] = a.position }
            return (true, Array(latest.values))
        }
    }
}
