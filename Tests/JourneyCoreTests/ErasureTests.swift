import Foundation
@testable import JourneyCore
import JourneyStore
import Testing

/// Erasure as the projections see it: the erased customer keeps counting in the aggregates, the
/// views hold no personal values, and a rebuild gives the same views.
@Suite struct ErasureTests {
    /// Customers whose stage and level depend on properties (a low review rating keeps the
    /// customer in retention; an NPS of 10 makes a promoter), so that a rebuild that could not
    /// read the destroyed properties would put them elsewhere.
    func populate(_ f: JourneyFixture) async throws {
        try await f.append([
            ev("jane", "ad_click", day: 1, properties: #"{"email":"jane@example.com"}"#),
            ev("jane", "purchase", day: 2, properties: #"{"orderValue":129.5}"#),
            ev("jane", "first_login", day: 3),
            ev("jane", "survey_response", day: 4, properties: #"{"nps":10}"#),
            ev("jane", "review_posted", day: 5, properties: #"{"rating":2}"#),
            ev("max", "ad_click", day: 1),
            ev("max", "purchase", day: 3, properties: #"{"orderValue":20}"#),
            ev("max", "survey_response", day: 4, properties: #"{"nps":3}"#),
        ])
    }

    @Test func erasureKeepsCountsAndDropsPersonalValues() async throws {
        let f = try JourneyFixture(masterKey: .generate())
        try await populate(f)
        let before = try f.engine.queries.customer("jane")
        #expect(before.stage == "retention" && before.advocacy.level == "promoter" && before.advocacy.metrics["nps"]?.value == 10)
        let funnel = try f.engine.queries.funnel()
        let promoters = try f.engine.queries.advocates(level: "promoter").customers.map(\.customerId)

        let erased = try f.engine.erase("jane", by: "dpo", reason: "request 7")
        #expect(!erased.duplicate && erased.version == 6)
        try f.engine.live.catchUp()

        let after = try f.engine.queries.customer("jane")
        #expect(after.erasedAt == erased.erasedAt)
        #expect(after.stage == "retention" && after.advocacy.level == "promoter")
        #expect(after.advocacy.metrics.isEmpty, "the NPS answer is personal: the view must not keep it")
        #expect(after.stages == before.stages && after.since == before.since)
        #expect(try f.engine.queries.funnel() == funnel)
        #expect(try f.engine.queries.advocates(level: "promoter").customers.map(\.customerId) == promoters)
        #expect(try f.engine.queries.customer("max").advocacy.metrics["nps"]?.value == 3)

        // A rebuild cannot read Jane's properties any more, yet gives the same views.
        try f.engine.rebuilder.rebuild()
        let rebuilt = try f.engine.queries.customer("jane")
        #expect(rebuilt.stage == "retention" && rebuilt.advocacy.level == "promoter" && rebuilt.advocacy.metrics.isEmpty)
        #expect(rebuilt.stages == before.stages)
        #expect(try f.engine.queries.funnel() == funnel)
        #expect(try f.engine.queries.customer("max") == (try f.engine.queries.customer("max")))

        // The audit trail: the transitions kept, the events without properties, the erasure last.
        let journey = try f.engine.queries.journey("jane")
        #expect(journey.erasedAt == erased.erasedAt)
        #expect(journey.transitions.map(\.to) == ["awareness", "decision", "onboarding", "retention"])
        #expect(journey.events.last?.type == "customer_erased")

        // Time travel needs the destroyed properties: refused, with the reason.
        #expect { _ = try f.engine.queries.customer("jane", asOf: Timestamp(rfc3339: day(3))) } throws: { ($0 as? StoreError)?.code == .customerErased }
        #expect(try f.engine.queries.customer("max", asOf: Timestamp(rfc3339: day(2))).stage == "awareness")

        // Erasing twice changes nothing; unknown customers are not found.
        #expect(try f.engine.erase("jane", by: "someone").duplicate)
        #expect { _ = try f.engine.erase("nobody", by: "dpo") } throws: { ($0 as? StoreError)?.code == .notFound }
        #expect(try f.store.verify().isValid)
    }

    /// A live worker that had not yet applied the erased customer's events before the erasure
    /// ends where one that had ends.
    @Test func erasureBeforeTheWorkerCaughtUp() async throws {
        let f = try JourneyFixture(masterKey: .generate())
        _ = try await f.store.append([
            ev("lag", "ad_click", day: 1), ev("lag", "survey_response", day: 2, properties: #"{"nps":9}"#),
            ev("other", "purchase", day: 1),
        ])
        let erased = try f.engine.erase("lag", by: "dpo")
        try f.engine.live.catchUp()
        let c = try f.engine.queries.customer("lag")
        #expect(c.erasedAt == erased.erasedAt && c.stage == "retention" && c.advocacy.level == "promoter" && c.advocacy.metrics.isEmpty)
        #expect(try f.engine.queries.funnel().customers == 2)
    }

    @Test func simulationUsesWhatTheErasureKept() async throws {
        let f = try JourneyFixture(masterKey: .generate())
        try await populate(f)
        _ = try f.engine.erase("jane", by: "dpo")
        let report = try f.engine.queries.simulate(try f.engine.queries.activeModel())
        #expect(report.customers == 2)
        // Live: what the erasure kept (Jane's low rating kept her in retention). The alternative
        // can only classify her events without properties: her unrated review reads as advocacy.
        let rows = Dictionary(uniqueKeysWithValues: report.stages.map { ($0.stage, $0) })
        #expect(rows["retention"]?.live == 2 && rows["advocacy"]?.live == 0)
        #expect(rows["retention"]?.alternative == 1 && rows["advocacy"]?.alternative == 1)
    }
}
