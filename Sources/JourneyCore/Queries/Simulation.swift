public import JourneyStore
import LMDBKit

/// What-if: how an alternative model would place every customer, next to the live model.
public struct SimulationReport: Sendable, Equatable, Codable {
    public var liveModelVersion: String
    public var alternativeModelVersion: String
    /// Events replayed (the log up to `headPosition`).
    public var events: Int
    public var headPosition: UInt64
    public var customers: Int
    /// Customers per stage under each model (stages of both models; `none`: no stage yet).
    public var stages: [StageCount]
    /// Customers whose stage differs between the models.
    public var changedCustomers: Int
    /// Some of them, with both stages.
    public var sample: [Change]

    public struct StageCount: Sendable, Equatable, Codable {
        public var stage: String
        public var live: Int
        public var alternative: Int
    }

    public struct Change: Sendable, Equatable, Codable {
        public var customerId: String
        public var live: String?
        public var alternative: String?
    }
}

extension JourneyQueries {
    /// Replays the whole log under the live model and under `alternative`, in memory, without
    /// touching the views, and compares the stage each customer ends up in.
    public func simulate(_ alternative: JourneyModel, sampleSize: Int = 20) throws(StoreError) -> SimulationReport {
        do {
            return try runSimulation(alternative, sampleSize: sampleSize)
        } catch {
            throw StoreError.wrap(error)
        }
    }

    private func runSimulation(_ alternative: JourneyModel, sampleSize: Int) throws -> SimulationReport {
        let live = try activeModel()
        let liveModel = CompiledModel(live)
        let altModel = CompiledModel(alternative)
        struct Pair {
            var id: String
            var live: StageState
            var alt: StageState
        }
        var customers: [[UInt8]: Pair] = [:]
        let head = try viewStore.log.headPosition()
        var events = 0
        // The journeys are the components of the identity graph at the head: a journey's final
        // state is the fold of all its streams' events, whatever order the links came in.
        let graph = try identityGraph(upTo: head)
        // Replay in snapshots of bounded size; a late event re-folds its customer from the stream.
        var next: UInt64 = 1
        while next <= head {
            try viewStore.log.snapshot { log in
                var inChunk = 0
                let opener = PropertiesOpener(log: log)
                try log.forEachRecord(from: next) { position, r in
                    guard position <= head, inChunk < 50_000 else { return false }
                    inChunk += 1
                    events += 1
                    next = position + 1
                    guard r.kind == .event || r.kind == .erasure else { return true }
                    let key = graph.canonical(of: r.streamKey)
                    if r.isErasure {
                        // The live model's view of an erased customer is what the erasure kept;
                        // the alternative can only use what is left (no properties).
                        if var pair = customers[key], let kept = r.erasureKeptText.flatMap({ KeptJourney.decode($0, model: liveModel) }) {
                            pair.live = kept.stage
                            customers[key] = pair
                        }
                        return true
                    }
                    let l = try liveModel.classify(r, position: position, opener: opener)
                    let a = try altModel.classify(r, position: position, opener: opener)
                    var pair = customers[key] ?? Pair(
                        id: graph.id(of: key) ?? r.stream.id, live: StageState(stages: live.stages.count), alt: StageState(stages: alternative.stages.count))
                    if pair.live.isLate(occurredAt: l.occurredAt, position: position) {
                        pair.live = StageState(stages: live.stages.count)
                        pair.alt = StageState(stages: alternative.stages.count)
                        var history: [(ClassifiedEvent, ClassifiedEvent)] = []
                        for member in graph.members(of: key) {
                            try log.forEachStreamRecord(key: member, upTo: position) { p, rr in
                                guard rr.kind == .event else { return }
                                history.append((try liveModel.classify(rr, position: p, opener: opener), try altModel.classify(rr, position: p, opener: opener)))
                            }
                        }
                        history.sort { ClassifiedEvent.businessOrder($0.0, $1.0) }
                        for (x, y) in history {
                            _ = pair.live.apply(x, model: live)
                            _ = pair.alt.apply(y, model: alternative)
                        }
                    } else {
                        _ = pair.live.apply(l, model: live)
                        _ = pair.alt.apply(a, model: alternative)
                    }
                    customers[key] = pair
                    return true
                }
            }
        }
        var names: [String] = live.stages
        for s in alternative.stages where !names.contains(s) { names.append(s) }
        var liveCounts: [String: Int] = [:], altCounts: [String: Int] = [:]
        var changed: [SimulationReport.Change] = []
        var changedCount = 0
        for key in customers.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let p = customers[key]!
            let l = p.live.current >= 0 ? live.stages[p.live.current] : nil
            let a = p.alt.current >= 0 ? alternative.stages[p.alt.current] : nil
            liveCounts[l ?? "none", default: 0] += 1
            altCounts[a ?? "none", default: 0] += 1
            if l != a {
                changedCount += 1
                if changed.count < sampleSize { changed.append(.init(customerId: p.id, live: l, alternative: a)) }
            }
        }
        let rows = (["none"] + names).map { SimulationReport.StageCount(stage: $0, live: liveCounts[$0] ?? 0, alternative: altCounts[$0] ?? 0) }
        return SimulationReport(
            liveModelVersion: live.version, alternativeModelVersion: alternative.version, events: events, headPosition: head,
            customers: customers.count, stages: rows, changedCustomers: changedCount, sample: changed)
    }

    /// The identity graph of the log's records up to `head`.
    private func identityGraph(upTo head: UInt64) throws -> IdentityGraph {
        let graph = IdentityGraph()
        var next: UInt64 = 1
        while next <= head {
            try viewStore.log.snapshot { log in
                var inChunk = 0
                try log.forEachRecord(from: next) { position, r in
                    guard position <= head, inChunk < 200_000 else { return false }
                    inChunk += 1
                    next = position + 1
                    guard r.kind != .event || !r.anonymousIdBytes.isEmpty else { return true }
                    switch try IdentityGraph.change(of: r, position: position) {
                    case .add(let edge)?:
                        if edge.merge || !graph.linked(edge.from, edge.into) { _ = graph.add(edge) }
                    case .remove(let a, let b)?:
                        _ = graph.remove(a, b, position: position, recordedAt: r.recordedAt.milliseconds)
                    case nil:
                        break
                    }
                    return true
                }
            }
        }
        return graph
    }
}
