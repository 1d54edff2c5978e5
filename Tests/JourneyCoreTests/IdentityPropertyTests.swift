import Foundation
@testable import JourneyCore
import JourneyStore
import Testing

/// For random events over random customers and visitors, with random links, merges and
/// unmerges in between, live processing, a full rebuild, and a plain in-memory fold of each
/// final component's events (components from a separate union-find over the links in force)
/// give the same journeys, and the funnel counts each component once.
@Suite struct IdentityPropertyTests {
    typealias SplitMix = PropertyTests.SplitMix

    /// The reference: the links in force, as unordered pairs of stream keys.
    struct Links {
        var pairs: Set<[[UInt8]]> = []
        static func pair(_ a: StreamID, _ b: StreamID) -> [[UInt8]] { [a.key, b.key].sorted { $0.lexicographicallyPrecedes($1) } }
        func component(of s: StreamID, among all: [StreamID]) -> Set<StreamID> {
            var seen: Set<StreamID> = [s]
            var queue = [s]
            while let x = queue.popLast() {
                for y in all where !seen.contains(y) && pairs.contains(Self.pair(x, y)) {
                    seen.insert(y)
                    queue.append(y)
                }
            }
            return seen
        }
    }

    @Test(arguments: [UInt64(11), 12, 13, 14])
    func liveRebuildAndFoldAgreeAcrossIdentities(seed: UInt64) async throws {
        let f = try JourneyFixture()
        var rng = SplitMix(state: seed)
        let customers = (0..<6).map { StreamID.customer("c\($0)") }
        let visitors = (0..<8).map { StreamID.anonymous("v\($0)") }
        let all = customers + visitors
        var links = Links()
        var known: Set<StreamID> = []
        var n = 0
        var merges = 0, unmerges = 0
        for _ in 0..<60 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<7:
                // A batch of events; some name a visitor and a customer (a link).
                var batch: [NewEvent] = []
                for _ in 0..<Int.random(in: 1...12, using: &rng) {
                    n += 1
                    let type = PropertyTests.types.randomElement(using: &rng)!
                    let props = type == "survey_response" ? #"{"nps":\#(Int.random(in: 0...10, using: &rng))}"# : nil
                    var e = ev("-", type, day: Double(Int.random(in: 0...40, using: &rng)) / 2, id: "e\(seed)-\(n)", properties: props)
                    let r = Int.random(in: 0..<10, using: &rng)
                    e.customerId = r < 7 ? customers.randomElement(using: &rng)!.id : nil
                    e.anonymousId = r >= 4 ? visitors.randomElement(using: &rng)!.id : nil
                    if e.customerId == nil && e.anonymousId == nil { e.customerId = "c0" }
                    batch.append(e)
                    known.insert(e.stream)
                    if let l = e.link { links.pairs.insert(Links.pair(.anonymous(l.anonymous), .customer(l.customer))) }
                }
                try await f.append(batch, catchUp: Bool.random(using: &rng))
            case 7..<9:
                let ks = all.filter { s in known.contains(s) || links.pairs.contains { $0.contains(s.key) } }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
                guard ks.count >= 2 else { continue }
                let a = ks.randomElement(using: &rng)!, b = ks.randomElement(using: &rng)!
                let merged = try await f.store.merge(a, into: b, by: "prop")
                let together = links.component(of: a, among: all).contains(b)
                #expect((merged == nil) == together, "\(a) into \(b)")
                if merged != nil { links.pairs.insert(Links.pair(a, b)); merges += 1 }
                if Bool.random(using: &rng) { try f.engine.live.catchUp() }
            default:
                guard let p = links.pairs.sorted(by: { $0[0].lexicographicallyPrecedes($1[0]) }).randomElement(using: &rng) else { continue }
                let a = all.first { $0.key == p[0] }!, b = all.first { $0.key == p[1] }!
                _ = try await f.store.unmerge(a, into: b, by: "prop")
                links.pairs.remove(p)
                unmerges += 1
                if Bool.random(using: &rng) { try f.engine.live.catchUp() }
            }
        }
        // The run did what it is about: joins and splits.
        #expect(merges > 0 && unmerges > 0 && !links.pairs.isEmpty, "merges \(merges), unmerges \(unmerges)")
        try f.engine.live.catchUp()
        let compiled = CompiledModel(try f.engine.queries.activeModel())
        let present = all.filter { s in known.contains(s) || links.pairs.contains { $0.contains(s.key) } }
        var components: [Set<StreamID>] = []
        for s in present where !components.contains(where: { $0.contains(s) }) {
            components.append(links.component(of: s, among: all).intersection(present))
        }
        var live: [CustomerStateOutput] = []
        for component in components {
            var events: [ClassifiedEvent] = []
            for s in component {
                for e in try f.store.readStream(s, from: nil, backward: false, limit: 10_000) {
                    try e.withView { r in
                        if r.kind == .event { events.append(try compiled.classify(r, position: e.position)) }
                    }
                }
            }
            let folded = CustomerJourney.fold(customerId: "-", events, model: compiled)
            for s in component {
                let got = try f.engine.queries.customer(s.id)
                var want = JourneyQueries.output(stage: folded.stage, advocacy: folded.advocacy, customerId: s.id, model: compiled)
                want.canonicalId = got.canonicalId
                want.identities = got.identities
                want.version = got.version
                #expect(got == want, "\(s) in \(component.map(\.id).sorted())")
                #expect(Set(got.identities?.map(\.id) ?? []) == Set(component.map(\.id)), "\(s)")
                let journey = try f.engine.queries.journey(s.id)
                #expect(journey.transitions.map(\.position) == folded.transitions.map(\.position), "\(s)")
                #expect(journey.events.count == events.count, "\(s)")
                live.append(got)
            }
        }
        // Customer ids win over visitor ids of the same name: none here, so every id resolves.
        let funnel = try f.engine.queries.funnel()
        #expect(funnel.customers == Int64(components.count))
        try f.engine.rebuilder.rebuild()
        #expect(try components.flatMap { $0 }.map { try f.engine.queries.customer($0.id) }.sorted { $0.customerId < $1.customerId }
                == live.sorted { $0.customerId < $1.customerId })
        #expect(try f.engine.queries.funnel() == funnel)
    }
}
