import Foundation
@testable import JourneyCore
@testable import JourneyStore
import JourneyTestSupport
import Testing

/// One record whose properties do not open never stops the views: the projections apply it
/// without its properties, record the fault against the event and the customer, and go on.
@Suite struct ProjectionFaultTests {
    /// Replaces a customer's stored data key with one that never sealed anything.
    static func breakKey(of customer: String, in store: EventStore) throws {
        let c = StoreLayout.customerKey(customer)
        let wrapped = store.keys!.wrap(RandomPool.shared.key(), customer: c)
        try store.environment.write { txn in try txn.put(store.layout.customerKeys, key: c, value: wrapped) }
    }

    @Test func anUnreadableRecordIsRecordedAndTheRestGoesOn() async throws {
        let dir = TemporaryDirectory("faults")
        var config = StoreConfiguration(directory: dir.appending("data"))
        config.masterKey = .generate()
        do {
            let store = try EventStore(config)
            defer { store.close() }
            _ = try await store.append([
                ev("broken", "ad_click", day: 1, properties: #"{"campaign":"x"}"#),
                ev("fine", "ad_click", day: 1),
                ev("broken", "purchase", day: 2),
                ev("broken", "survey_response", day: 3, properties: #"{"nps":10}"#),
                ev("fine", "purchase", day: 2),
                ev("fine", "survey_response", day: 3, properties: #"{"nps":10}"#),
                ev("broken", "review_posted", day: 4, properties: #"{"rating":1}"#),
            ])
            try Self.breakKey(of: "broken", in: store)
        }
        let store = try EventStore(config)
        defer { store.close() }
        let engine = try JourneyEngine(store: store)
        #expect(try engine.live.catchUp() == 7)
        // The customer keeps every fact that needs no properties; the NPS reading is gone.
        let broken = try engine.queries.customer("broken")
        #expect(broken.stages.map(\.stage) == ["awareness", "decision", "retention", "advocacy"])
        #expect(broken.advocacy.metrics["nps"] == nil)
        #expect(broken.version == 4)
        // Everyone else is untouched.
        let fine = try engine.queries.customer("fine")
        #expect(fine.advocacy.level == "promoter" && fine.advocacy.metrics["nps"]?.value == 10)
        #expect(try engine.queries.funnel().customers == 2)
        // The faults: the two events whose rules read properties (survey, review), by position.
        let faults = try engine.queries.faults()
        #expect(faults.map(\.position) == [4, 7])
        #expect(faults.allSatisfy { $0.customerId == "broken" && $0.problem.contains("do not open") })
        #expect(Set(faults.map(\.eventId)).count == 2 && faults.allSatisfy { !$0.eventId.isEmpty })
        #expect(try engine.queries.status().allSatisfy { $0.faults == 2 && $0.lag == 0 && $0.lastError == nil })
        // A rebuild meets the same faults and gives the same views.
        let live = (try engine.queries.customer("broken"), try engine.queries.customer("fine"), try engine.queries.funnel())
        try engine.rebuilder.rebuild()
        #expect(try engine.queries.customer("broken") == live.0)
        #expect(try engine.queries.customer("fine") == live.1)
        #expect(try engine.queries.funnel() == live.2)
        #expect(try engine.queries.faults() == faults)
        // Later events of the same customer still apply.
        _ = try await store.append(ev("broken", "referral_sent", day: 5))
        try engine.live.catchUp()
        #expect(try engine.queries.customer("broken").stage == "advocacy")
    }
}
