import JourneyStore
import LMDBKit

/// Time travel and the public shapes of a customer's state and audit trail.
extension JourneyQueries {
    /// The fold of the customer's journey under the active model, leaving out events after
    /// `asOf` (occurredAt) and events recorded after `knownAt`. The journey's streams are its
    /// identity now (with `asOf`, which is business time) or as the store knew it at `knownAt`
    /// (a visitor linked later is not part of it yet). Also the journey's ids.
    func timeTravel(_ customerId: String, asOf: Timestamp?, knownAt: Timestamp?) throws(StoreError) -> (CustomerJourney, CompiledModel, [StreamID]) {
        try viewStore.withLiveViews { txn, log, views in
            let (record, model) = try views(.journeyHistory)
            guard let asked = [StreamID.customer(customerId), .anonymous(customerId)].first(where: { (try? log.hasStream($0)) == true }) else {
                throw Self.notFound(customerId)
            }
            var streams: [StreamID]
            var canonicalId = customerId
            if let knownAt {
                let graph = try IdentityViews(viewStore.dbs, slot: record.slot).load(txn)
                let c = graph.component(of: asked.key, knownAt: knownAt.milliseconds)
                streams = c.members.map { k in
                    let id = graph.id(of: k) ?? customerId
                    return k.first == CustomerKey.anonymousPrefix ? .anonymous(id) : .customer(id)
                }
                canonicalId = graph.id(of: c.canonical) ?? customerId
            } else {
                let found = try locate(customerId, slot: record.slot, txn: txn)
                streams = found?.streams ?? [asked]
                canonicalId = found?.identities.first?.id ?? customerId
            }
            if !streams.contains(asked) { streams.insert(asked, at: 0) }
            for s in streams {
                if let erased = try log.erasure(of: s) {
                    var e = StoreError(.customerErased, "\(s) was erased at \(erased.erasedAt.rfc3339): the properties of their events are destroyed, so their past cannot be recomputed as of a time; their current state (kept at erasure) is still available without asOf/knownAt")
                    e.customerId = customerId
                    throw e
                }
            }
            var events: [ClassifiedEvent] = []
            let opener = PropertiesOpener(log: log)
            for s in streams {
                try log.forEachStreamRecord(key: s.key, upTo: .max) { p, r in
                    guard r.kind == .event else { return }
                    if let asOf, r.occurredAt > asOf { return }
                    if let knownAt, r.recordedAt > knownAt { return }
                    events.append(try model.classify(r, position: p, opener: opener))
                }
            }
            guard !events.isEmpty else {
                var what: [String] = []
                if let asOf { what.append("as of \(asOf.rfc3339)") }
                if let knownAt { what.append("as known at \(knownAt.rfc3339)") }
                throw StoreError(.notFound, "customer \(customerId) has no events \(what.joined(separator: " "))")
            }
            return (CustomerJourney.fold(customerId: canonicalId, events, model: model), model, streams)
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
    func describe(_ j: CustomerJourney, streams: [StreamID], model: CompiledModel, asOf: Timestamp?, knownAt: Timestamp?, upTo: UInt64, log: any LogSnapshot) throws -> JourneyOutput {
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
        for key in streams.map(\.key) { try log.forEachStreamRecord(key: key, upTo: upTo) { p, r in
            if let asOf, r.occurredAt > asOf { return }
            if let knownAt, r.recordedAt > knownAt { return }
            if r.kind == .merge || r.kind == .unmerge { return }
            if r.isErasure {
                var e = ClassifiedEvent(position: p, occurredAt: r.occurredAt.milliseconds, version: r.version)
                e.rule = -1
                timeline.append((e, .init(
                    position: p, eventId: r.id, type: r.type, occurredAt: r.occurredAt.rfc3339, recordedAt: r.recordedAt.rfc3339,
                    stage: nil, rule: nil, moved: false, action: nil, touchpoint: nil, channel: nil, sentiment: nil)))
                return
            }
            let e = try model.classify(r, position: p, opener: opener)
            let rule = e.rule >= 0 ? m.rules[Int(e.rule)] : nil
            timeline.append((e, .init(
                position: p, eventId: r.id, type: r.type, occurredAt: r.occurredAt.rfc3339, recordedAt: r.recordedAt.rfc3339,
                stage: rule.map { m.stages[$0.stage] }, rule: rule?.id, moved: moved.contains(p),
                action: e.action >= 0 ? m.advocacy.actionIds[Int(e.action)] : nil,
                touchpoint: r.touchpoint, channel: r.channel, sentiment: r.sentiment)))
        } }
        timeline.sort { ClassifiedEvent.businessOrder($0.0, $1.0) }
        return JourneyOutput(customerId: j.customerId, modelVersion: m.version, transitions: transitions, advocacy: changes, events: timeline.map(\.1))
    }
}
