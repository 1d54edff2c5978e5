import Foundation
@testable import JourneyCore
import JourneyStore
import Testing

/// For random event sequences in random arrival order, live processing, a full rebuild, and a
/// plain in-memory fold of each customer's events sorted by occurredAt give the same views.
@Suite struct PropertyTests {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let types = ["ad_click", "blog_view", "product_view", "review_read", "pricing_view", "purchase", "first_login",
                        "setup_completed", "feature_used", "support_ticket", "survey_response", "review_posted",
                        "referral_sent", "social_share", "password_reset", "refund_issued"]

    func randomEvents(seed: UInt64, customers: Int, count: Int) -> [NewEvent] {
        var rng = SplitMix(state: seed)
        return (0..<count).map { i in
            let type = Self.types.randomElement(using: &rng)!
            var props: String?
            if type == "survey_response" { props = #"{"nps":\#(Int.random(in: 0...10, using: &rng))}"# }
            if type == "review_posted" && Bool.random(using: &rng) { props = #"{"rating":\#(Int.random(in: 1...5, using: &rng))}"# }
            // Coarse times so ties (same occurredAt) happen too.
            return ev("c\(Int.random(in: 0..<customers, using: &rng))", type, day: Double(Int.random(in: 0...60, using: &rng)) / 2,
                      id: "e\(seed)-\(i)", properties: props)
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func liveRebuildAndFoldAgree(seed: UInt64) async throws {
        let f = try JourneyFixture()
        var rng = SplitMix(state: seed &* 7919)
        let events = randomEvents(seed: seed, customers: 12, count: 300).shuffled(using: &rng)
        // Live: random batches, views applied after each (some batches applied late, together).
        try await f.appendInRandomBatches(events, maxBatch: 25, using: &rng)
        let customers = Set(events.compactMap(\.customerId)).sorted()
        let live = try customers.map { try f.engine.queries.customer($0) }
        let liveJourneys = try customers.map { try f.engine.queries.journey($0) }
        let liveFunnel = try f.engine.queries.funnel()

        // In-memory fold of each customer's events sorted by occurredAt (then arrival).
        let compiled = CompiledModel(try f.engine.queries.activeModel())
        for (k, customer) in customers.enumerated() {
            let stored = try f.store.readStream(customer, limit: 10_000)
            let classified = try stored.map { e in try e.withView { try compiled.classify($0, position: e.position) } }
            let folded = CustomerJourney.fold(customerId: customer, classified, model: compiled)
            var expected = JourneyQueries.output(stage: folded.stage, advocacy: folded.advocacy, customerId: customer, model: compiled)
            expected.canonicalId = customer
            expected.identities = [IdentityOutput(id: customer, kind: "customer")]
            #expect(live[k] == expected, "\(customer)")
            #expect(liveJourneys[k].transitions.map(\.position) == folded.transitions.map(\.position), "\(customer)")
            #expect(liveJourneys[k].advocacy.map(\.position) == folded.advocacyChanges.map(\.position), "\(customer)")
            #expect(liveJourneys[k].advocacy.map { $0.evidence.map(\.position) } == folded.advocacyChanges.map(\.evidence), "\(customer)")
        }

        // A full rebuild gives the same views.
        try f.engine.rebuilder.rebuild()
        #expect(try customers.map { try f.engine.queries.customer($0) } == live)
        #expect(try customers.map { try f.engine.queries.journey($0) } == liveJourneys)
        #expect(try f.engine.queries.funnel() == liveFunnel)
        #expect(try f.engine.queries.status().allSatisfy { $0.generation == 2 && $0.lag == 0 })
    }
}
