import JourneyStore
import LMDBKit

/// Time travel and the public shapes of a customer's state and audit trail.
extension JourneyQueries {
    /// The fold of the customer's stream under the active model, leaving out events after
    /// `asOf` (occurredAt) and events recorded after `knownAt`.
    func timeTravel(_ customerId: String, asOf: Timestamp?, knownAt: Timestamp?) throws(StoreError) -> (CustomerJourney, CompiledModel) {
        try viewStore.withLiveViews { txn, log, views in
            let (_, model) = try views(.journeyHistory)
            if let erased = try log.erasure(of: customerId) {
                var e = StoreError(.customerErased, "customer \(customerId) was erased at \(erased.erasedAt.rfc3339): the properties of their events are destroyed, so their past cannot be recomputed as of a time; their current state (kept at erasure) is still available without asOf/knownAt")
                e.customerId = customerId
                throw e
            }
            var events: [ClassifiedEvent] = []
            let opener = PropertiesOpener(log: log)
            let total = try log.forEachStreamRecord(customerId: customerId, upTo: .max) { p, r in
                if let asOf, r.occurredAt > asOf { return }
                if let knownAt, r.recordedAt > knownAt { return }
                events.append(try model.classify(r, position: p, opener: opener))
            }
            guard total > 0 else { throw Self.notFound(customerId) }
            guard !events.isEmpty else {
                var what: [String] = []
                if let asOf { what.append("as of \(asOf.rfc3339)") }
                if let knownAt { what.append("as known at \(knownAt.rfc3339)") }
                throw StoreError(.notFound, "customer \(customerId) has no events \(what.joined(separator: " "))")
            }
            return (CustomerJourney.fold(customerId: customerId, events, model: model), model)
        }
    }

    static func output(stage s: StageState, advocacy a: AdvocacyState, customerId: String, model: CompiledModel) -> CustomerStateOutput {
        let m = model.model
        var reached: [CustomerStateOutput.ReachedStage] = []
        for (i, e) in s.entered.enumerated() { if let e { reached.append(.init(stage: m.stages[i], enteredAt: iso(e))) } }
        var actions: [String: UInt32] = [:]
        for (i, id) in m.advocacy.actionIds.enumerated() { actions[id] = a.counts[i] }
        var metrics: [String: AdvocacyOutput.MetricOutput] = [:]
        for (i, metric) in m.advocacy.metrics.enumerated() {
            if let r = a.metrics[i] { metrics[metric.id] = .init(value: r.value, at: iso(r.at), position: r.position) }
        }
        return CustomerStateOutput(
            customerId: customerId, stage: s.current >= 0 ? m.stages[s.current] : nil,
            since: s.current >= 0 ? iso(s.since) : nil, version: s.version, eventCount: s.eventCount,
            firstSeen: s.eventCount > 0 ? iso(s.firstSeen) : nil, lastSeen: s.eventCount > 0 ? iso(s.lastSeen) : nil,
            stages: reached,
            advocacy: AdvocacyOutput(
                level: a.level == 0 ? "none" : m.advocacy.levels[a.level - 1].id, since: a.level == 0 ? nil : iso(a.since),
                detractor: a.detractor, actions: actions, metrics: metrics),
            modelVersion: m.version)
    }

    /// Turns a stored journey into its public shape, resolving event ids and types by position.
    func describe(_ j: CustomerJourney, model: CompiledModel, asOf: Timestamp?, knownAt: Timestamp?, upTo: UInt64, log: any LogSnapshot) throws -> JourneyOutput {
        let m = model.model
        func ref(_ p: UInt64) throws -> JourneyOutput.EventReference {
            guard let r = try log.record(at: p) else { throw StoreError(.corrupt, "history points at missing position \(p)") }
            return .init(eventId: r.id, position: p, type: r.type, occurredAt: r.occurredAt.rfc3339)
        }
        let transitions = try j.transitions.map { t in
            let e = try ref(t.position)
            return JourneyOutput.TransitionOutput(
                from: t.from >= 0 ? m.stages[t.from] : nil, to: m.stages[t.to], at: iso(t.at), eventId: e.eventId,
                position: t.position, type: e.type, rule: m.rules[t.rule].id, regression: t.regression, modelVersion: m.version)
        }
        let levelName = { (l: Int) in l == 0 ? "none" : m.advocacy.levels[l - 1].id }
        let changes = try j.advocacyChanges.map { c in
            JourneyOutput.AdvocacyChangeOutput(
                from: levelName(c.from), to: levelName(c.to), at: iso(c.at), eventId: try ref(c.position).eventId,
                position: c.position, evidence: try c.evidence.map(ref))
        }
        var timeline: [(ClassifiedEvent, JourneyOutput.TimelineEvent)] = []
        let moved = Set(j.transitions.map(\.position))
        let opener = PropertiesOpener(log: log)
        try log.forEachStreamRecord(customerId: j.customerId, upTo: upTo) { p, r in
            if let asOf, r.occurredAt > asOf { return }
            if let knownAt, r.recordedAt > knownAt { return }
            if r.isErasure {
                var e = ClassifiedEvent(position: p, occurredAt: r.occurredAt.milliseconds, version: r.version)
                e.rule = -1
                timeline.append((e, .init(
                    position: p, eventId: r.id, type: r.type, occurredAt: r.occurredAt.rfc3339, recordedAt: r.recordedAt.rfc3339,
                    stage: nil, rule: nil, moved: false, action: nil)))
                return
            }
            let e = try model.classify(r, position: p, opener: opener)
            let rule = e.rule >= 0 ? m.rules[Int(e.rule)] : nil
            timeline.append((e, .init(
                position: p, eventId: r.id, type: r.type, occurredAt: r.occurredAt.rfc3339, recordedAt: r.recordedAt.rfc3339,
                stage: rule.map { m.stages[$0.stage] }, rule: rule?.id, moved: moved.contains(p),
                action: e.action >= 0 ? m.advocacy.actionIds[Int(e.action)] : nil)))
        }
        timeline.sort { ClassifiedEvent.businessOrder($0.0, $1.0) }
        return JourneyOutput(customerId: j.customerId, modelVersion: m.version, transitions: transitions, advocacy: changes, events: timeline.map(\.1))
    }
}
