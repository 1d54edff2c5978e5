import Foundation
@testable import JourneyCore
import JourneyStore
import JourneyJSON
import Testing

/// An anonymous visitor's event at a day offset; with `customer`, the event that links them.
func visit(_ visitor: String, _ type: String, day: Double, customer: String? = nil, id: String? = nil, properties: String? = nil) -> NewEvent {
    var e = ev(customer ?? "-", type, day: day, id: id, properties: properties)
    e.customerId = customer
    e.anonymousId = visitor
    return e
}

/// Anonymous visitors stitched to customers: the journey follows the identity graph, live, on
/// rebuild and in time travel; merges and unmerges are reversible.
@Suite struct IdentityTests {
    @Test func aVisitorsEventsJoinTheCustomerTheySignUpAs() async throws {
        let f = try JourneyFixture(masterKey: MasterKey.generate())
        try await f.append([visit("v1", "ad_click", day: 1), visit("v1", "product_view", day: 2)])
        #expect(try f.engine.queries.customer("v1").stage == "consideration")
        #expect(try f.engine.queries.funnel().customers == 1)
        try await f.append([visit("v1", "purchase", day: 3, customer: "c1")])
        let c = try f.engine.queries.customer("c1")
        #expect(c.stages.map(\.stage) == ["awareness", "consideration", "decision"])
        #expect(c.canonicalId == "c1")
        #expect(Set(c.identities?.map(\.id) ?? []) == ["c1", "v1"])
        // Asked by the visitor's id: the same journey, named by the customer.
        let v = try f.engine.queries.customer("v1")
        #expect(v.stage == "decision" && v.canonicalId == "c1" && v.customerId == "v1")
        let j = try f.engine.queries.journey("v1")
        #expect(j.events.map(\.type) == ["ad_click", "product_view", "purchase"])
        // One person, counted once.
        #expect(try f.engine.queries.funnel().customers == 1)
        // Later visitor events go to the same journey.
        try await f.append([visit("v1", "first_login", day: 4)])
        #expect(try f.engine.queries.customer("c1").stage == "onboarding")
        // A rebuild folds the same.
        let before = try f.engine.queries.customer("c1")
        try f.engine.rebuilder.rebuild()
        #expect(try f.engine.queries.customer("c1") == before)
        #expect(try f.engine.queries.funnel().customers == 1)
        let ids = try f.store.identities(of: .customer("c1"))
        #expect(ids.map(\.id) == ["c1", "v1"])
        #expect(ids[1].linkedTo == "c1" && ids[1].type == "purchase")
    }

    @Test func knownAtBeforeTheLinkShowsThemApart() async throws {
        let f = try JourneyFixture()
        try await f.append([visit("v2", "ad_click", day: 1), visit("v2", "product_view", day: 2), ev("c2", "ad_click", day: 0.5)])
        try await Task.sleep(for: .milliseconds(20))
        let before = Timestamp.now()
        try await Task.sleep(for: .milliseconds(20))
        try await f.append([visit("v2", "purchase", day: 3, customer: "c2")])
        let then = try f.engine.queries.customer("c2", knownAt: before)
        #expect(then.stages.map(\.stage) == ["awareness"])
        let visitorThen = try f.engine.queries.customer("v2", knownAt: before)
        #expect(visitorThen.stage == "consideration" && visitorThen.canonicalId == "v2")
        let now = try f.engine.queries.customer("c2", knownAt: Timestamp.now())
        #expect(now.stages.map(\.stage).contains("consideration"))
        // asOf is business time: the identity is today's.
        let asOf = try f.engine.queries.customer("c2", asOf: Timestamp(rfc3339: day(2.5))!)
        #expect(asOf.stages.map(\.stage) == ["awareness", "consideration"])
    }

    /// Merge then unmerge gives exactly the views of a store that never merged.
    @Test func unmergeEqualsAReplayWithoutTheMerge() async throws {
        let events = [ev("a", "ad_click", day: 1), ev("a", "product_view", day: 2), ev("b", "purchase", day: 3),
                      ev("b", "first_login", day: 4), ev("a", "survey_response", day: 5, properties: #"{"nps":10}"#)]
        let plain = try JourneyFixture()
        try await plain.append(events)
        let f = try JourneyFixture()
        try await f.append(events)
        let merged = try await f.store.merge(.customer("a"), into: .customer("b"), by: "test", reason: "same person")
        #expect(merged != nil)
        try f.engine.live.catchUp()
        let m = try f.engine.queries.customer("a")
        #expect(m.canonicalId == "b", "\(m)")
        #expect(m.canonicalId == "b" && m.stages.count >= 4 && m.advocacy.metrics["nps"]?.value == 10, "\(m.stages)")
        #expect(try f.engine.queries.funnel().customers == 1)
        // Merging again changes nothing.
        #expect(try await f.store.merge(.customer("a"), into: .customer("b"), by: "test") == nil)
        _ = try await f.store.unmerge(.customer("a"), into: .customer("b"), by: "test", reason: "two people after all")
        try f.engine.live.catchUp()
        for id in ["a", "b"] {
            var got = try f.engine.queries.customer(id)
            var want = try plain.engine.queries.customer(id)
            #expect(got.canonicalId == id)
            // The merge and unmerge records are b's stream's versions 3 and 4.
            got.version = 0; want.version = 0
            #expect(got == want, "\(id)")
        }
        #expect(try f.engine.queries.funnel() == plain.engine.queries.funnel())
        try f.engine.rebuilder.rebuild()
        #expect(try f.engine.queries.funnel() == plain.engine.queries.funnel())
        #expect(try f.engine.queries.customer("a").canonicalId == "a")
        // The audit keeps both.
        let stream = try f.store.readStream(.customer("b"), from: nil, backward: false, limit: 100)
        #expect(stream.map(\.type).suffix(2) == ["identity_merged", "identity_unmerged"])
        let journey = try f.engine.queries.journey("b")
        #expect(!journey.events.contains { $0.type.hasPrefix("identity_") })
    }

    @Test func mergeAndUnmergeRefuseWhatTheyCannotDo() async throws {
        var config = StoreConfiguration(directory: "")
        config.identities.maxLinks = 2
        let f = try JourneyFixture(storeIdentities: config.identities)
        try await f.append([ev("x", "ad_click", day: 1), ev("y", "ad_click", day: 1), ev("z", "ad_click", day: 1), ev("w", "ad_click", day: 1)])
        await #expect { try await f.store.unmerge(.customer("x"), into: .customer("y"), by: "t") } throws: { ($0 as? StoreError)?.code == .notLinked }
        await #expect { try await f.store.merge(.customer("x"), into: .customer("nobody"), by: "t") } throws: { ($0 as? StoreError)?.code == .notFound }
        await #expect { try await f.store.merge(.customer("x"), into: .anonymous("guest"), by: "t") } throws: { ($0 as? StoreError)?.code == .invalidArgument }
        _ = try await f.store.merge(.customer("y"), into: .customer("x"), by: "t")
        _ = try await f.store.merge(.customer("z"), into: .customer("x"), by: "t")
        await #expect { try await f.store.merge(.customer("w"), into: .customer("x"), by: "t") } throws: { ($0 as? StoreError)?.code == .identityLimit }
        // A visitor linking to everyone is refused past the limit, with the index of the event.
        try await f.append([visit("shared", "ad_click", day: 2, customer: "p"), visit("shared", "ad_click", day: 2, customer: "q")])
        await #expect { try await f.store.append([ev("r", "ad_click", day: 3), visit("shared", "ad_click", day: 3, customer: "r")]) } throws: {
            let e = $0 as? StoreError
            return e?.code == .identityLimit && e?.index == 1 && e?.field == "anonymousId"
        }
        #expect(try f.store.streamVersion("r") == 0)  // nothing of the refused request landed
        // A blocked visitor id never links.
        await #expect { try await f.store.append([visit("undefined", "ad_click", day: 3, customer: "s")]) } throws: {
            ($0 as? StoreError)?.field == "anonymousId"
        }
    }

    @Test func erasureCoversEveryLinkedStream() async throws {
        let f = try JourneyFixture(masterKey: MasterKey.generate())
        try await f.append([visit("v3", "ad_click", day: 1, id: "x1", properties: #"{"email":"v@example.com"}"#), visit("v3", "product_view", day: 2), visit("v3", "purchase", day: 3, customer: "c3")])
        let before = try f.engine.queries.customer("c3")
        _ = try f.engine.erase("c3", by: "dpo", reason: "request")
        try f.engine.live.catchUp()
        let after = try f.engine.queries.customer("v3")
        #expect(after.erasedAt != nil && after.stage == before.stage)
        #expect(try f.store.event(id: "x1")?.redacted == true)
        await #expect { try await f.store.append([visit("v3", "ad_click", day: 4)]) } throws: { ($0 as? StoreError)?.code == .customerErased }
        await #expect { try await f.store.unmerge(.anonymous("v3"), into: .customer("c3"), by: "t") } throws: { ($0 as? StoreError)?.code == .customerErased }
        try f.engine.rebuilder.rebuild()
        #expect(try f.engine.queries.customer("c3").stages == before.stages)
        #expect(try f.engine.queries.funnel().customers == 1)
    }
}
