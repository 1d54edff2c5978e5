import Foundation
@testable import JourneyCore
import JourneyStore
import Testing
import JourneyJSON

/// Hand-written journeys under the default model (and a model with a regression rule).
@Suite struct JourneyTests {
    @Test func progressesForwardOnlyAndKeepsSkippedStagesUnreached() async throws {
        let f = try JourneyFixture()
        try await f.append([
            ev("c", "ad_click", day: 1),
            ev("c", "pricing_view", day: 2),      // skips consideration
            ev("c", "blog_view", day: 3),         // lower stage: kept, no move
            ev("c", "first_login", day: 4),
        ])
        let c = try f.engine.queries.customer("c")
        #expect(c.stage == "onboarding")
        #expect(c.since == day(4))
        #expect(c.stages.map(\.stage) == ["awareness", "decision", "onboarding"])
        #expect(c.stages.map(\.enteredAt) == [day(1), day(2), day(4)])
        #expect(c.version == 4 && c.eventCount == 4)
        #expect(c.firstSeen == day(1) && c.lastSeen == day(4))
        let j = try f.engine.queries.journey("c")
        #expect(j.transitions.map(\.to) == ["awareness", "decision", "onboarding"])
        #expect(j.transitions.map(\.from) == [nil, "awareness", "decision"])
        #expect(j.transitions.map(\.rule) == ["awareness", "decision", "onboarding"])
        #expect(j.transitions.map(\.position) == [1, 2, 4])
        #expect(j.transitions.allSatisfy { $0.modelVersion == "1" })
        #expect(j.events.count == 4)
        #expect(j.events[2].type == "blog_view" && j.events[2].stage == "awareness" && !j.events[2].moved)
    }

    @Test func fastJSONMatchesTheEncoder() async throws {
        let f = try JourneyFixture()
        try await f.append([
            ev("j\"s\\on/é", "ad_click", day: 1), ev("j\"s\\on/é", "survey_response", day: 2, properties: #"{"nps":9.5}"#),
            ev("j\"s\\on/é", "referral_sent", day: 3),
        ])
        for c in [try f.engine.queries.customer("j\"s\\on/é"), try f.engine.queries.customer("j\"s\\on/é", asOf: Timestamp(rfc3339: day(1.5)))] {
            #expect(String(decoding: c.jsonBytes, as: UTF8.self) == JSONOutput.encode(c))
        }
    }

    @Test func unknownEventTypesAreKeptButMoveNothing() async throws {
        let f = try JourneyFixture()
        try await f.append([ev("u", "ad_click", day: 1), ev("u", "password_reset", day: 2), ev("u", "newsletter_signup", day: 3)])
        let c = try f.engine.queries.customer("u")
        #expect(c.stage == "awareness")
        #expect(c.eventCount == 3)
        let j = try f.engine.queries.journey("u")
        #expect(j.events.map(\.type) == ["ad_click", "password_reset", "newsletter_signup"])
        #expect(j.events[1].stage == nil && j.events[1].rule == nil)
        #expect(j.transitions.count == 1)
        // A customer with only unknown events is known, with no stage.
        try await f.append([ev("only-unknown", "password_reset", day: 1)])
        let o = try f.engine.queries.customer("only-unknown")
        #expect(o.stage == nil && o.stages.isEmpty && o.eventCount == 1)
        #expect(try f.engine.queries.funnel().noStage == 1)
    }

    @Test func reviewsMapByRating() async throws {
        let f = try JourneyFixture()
        try await f.append([
            ev("low", "purchase", day: 1), ev("low", "review_posted", day: 2, properties: #"{"rating":3}"#),
            ev("high", "purchase", day: 1), ev("high", "review_posted", day: 2, properties: #"{"rating":5}"#),
            ev("none", "purchase", day: 1), ev("none", "review_posted", day: 2),
        ])
        #expect(try f.engine.queries.customer("low").stage == "retention")
        #expect(try f.engine.queries.customer("low").advocacy.level == "none")
        #expect(try f.engine.queries.customer("high").stage == "advocacy")
        #expect(try f.engine.queries.customer("high").advocacy.level == "advocate")
        #expect(try f.engine.queries.customer("none").stage == "advocacy")
        #expect(try f.engine.queries.customer("none").advocacy.actions["review_posted"] == 1)
    }

    @Test func regressionRulesMoveBack() async throws {
        let f = try JourneyFixture()
        var doc = try JSONSerialization.jsonObject(with: Data(JourneyModel.defaultDocument.utf8)) as! [String: Any]
        doc["version"] = "2-refunds"
        var rules = doc["rules"] as! [[String: Any]]
        rules.insert(["id": "refund", "stage": "consideration", "regress": true, "match": ["type": "refund_issued"]], at: 0)
        doc["rules"] = rules
        let model = try JourneyModel.parse(String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))
        try await f.append([ev("r", "product_view", day: 1), ev("r", "purchase", day: 2), ev("r", "refund_issued", day: 3), ev("r", "pricing_view", day: 4)])
        #expect(try f.engine.queries.customer("r").stage == "decision")
        try f.engine.rebuilder.activate(model)
        #expect(try f.engine.queries.activeModel().version == "2-refunds")
        let j = try f.engine.queries.journey("r")
        #expect(j.transitions.map(\.to) == ["consideration", "decision", "consideration", "decision"])
        #expect(j.transitions.map(\.regression) == [false, false, true, false])
        #expect(j.transitions[2].rule == "refund")
        #expect(j.transitions.allSatisfy { $0.modelVersion == "2-refunds" })
        let c = try f.engine.queries.customer("r")
        #expect(c.stage == "decision" && c.since == day(4))
        // Stage entry times are first entries.
        #expect(c.stages.first { $0.stage == "decision" }?.enteredAt == day(2))
        #expect(try f.engine.queries.funnel().stages.first { $0.stage == "decision" }?.current == 1)
    }

    @Test func lateEventsGiveTheHistoryOfInOrderArrival() async throws {
        let inOrder = try JourneyFixture()
        let late = try JourneyFixture()
        let events = [
            ev("l", "ad_click", day: 1, id: "1"), ev("l", "product_view", day: 2, id: "2"),
            ev("l", "purchase", day: 3, id: "3"), ev("l", "first_login", day: 5, id: "5"),
            ev("l", "referral_sent", day: 6, id: "6"), ev("l", "survey_response", day: 4, id: "4", properties: #"{"nps":10}"#),
        ]
        try await inOrder.append(events.sorted { $0.occurredAt! < $1.occurredAt! })
        // Arrives out of order, in separate batches, applied as it arrives.
        for e in [events[4], events[0], events[3], events[1], events[5], events[2]] { try await late.append([e]) }
        let a = try inOrder.engine.queries.customer("l"), b = try late.engine.queries.customer("l")
        #expect(a.stage == b.stage && a.stages == b.stages && a.since == b.since)
        // Positions differ between the two stores (arrival order); everything else must not.
        #expect(a.advocacy.level == b.advocacy.level && a.advocacy.since == b.advocacy.since)
        #expect(a.advocacy.actions == b.advocacy.actions && a.advocacy.detractor == b.advocacy.detractor)
        #expect(a.advocacy.metrics.mapValues { "\($0.value)@\($0.at)" } == b.advocacy.metrics.mapValues { "\($0.value)@\($0.at)" })
        let ja = try inOrder.engine.queries.journey("l"), jb = try late.engine.queries.journey("l")
        #expect(ja.transitions.map(\.to) == jb.transitions.map(\.to))
        #expect(ja.transitions.map(\.at) == jb.transitions.map(\.at))
        #expect(ja.transitions.map(\.eventId) == jb.transitions.map(\.eventId))
        #expect(ja.advocacy.map(\.to) == jb.advocacy.map(\.to))
        #expect(ja.advocacy.map(\.eventId) == jb.advocacy.map(\.eventId))
        #expect(ja.events.map(\.eventId) == ["1", "2", "3", "4", "5", "6"])
        #expect(jb.events.map(\.eventId) == ["1", "2", "3", "4", "5", "6"])
        #expect(try inOrder.engine.queries.funnel() == late.engine.queries.funnel())
    }

    @Test func advocacyLevelsAndTheDetractorFlag() async throws {
        let f = try JourneyFixture()
        try await f.append([ev("p", "purchase", day: 1), ev("p", "survey_response", day: 2, properties: #"{"nps":9}"#)])
        var c = try f.engine.queries.customer("p")
        #expect(c.advocacy.level == "promoter")
        #expect(c.advocacy.metrics["nps"]?.value == 9)
        #expect(!c.advocacy.detractor)
        // Promoter is not retained: a later low score loses it and flags a detractor.
        try await f.append([ev("p", "survey_response", day: 3, properties: #"{"nps":4}"#)])
        c = try f.engine.queries.customer("p")
        #expect(c.advocacy.level == "none")
        #expect(c.advocacy.detractor)
        #expect(c.advocacy.metrics["nps"]?.value == 4)
        // Advocate on the first action; retained.
        try await f.append([ev("p", "social_share", day: 4)])
        c = try f.engine.queries.customer("p")
        #expect(c.advocacy.level == "advocate" && c.advocacy.since == day(4))
        #expect(c.advocacy.detractor)
        // Champion: 3 actions of 2 kinds within 365 days.
        try await f.append([ev("p", "social_share", day: 10), ev("p", "social_share", day: 20)])
        #expect(try f.engine.queries.customer("p").advocacy.level == "advocate")  // one kind only
        try await f.append([ev("p", "referral_sent", day: 30)])
        c = try f.engine.queries.customer("p")
        #expect(c.advocacy.level == "champion" && c.advocacy.since == day(30))
        #expect(c.advocacy.actions == ["social_share": 3, "referral_sent": 1, "review_posted": 0])
        let j = try f.engine.queries.journey("p")
        #expect(j.advocacy.map(\.to) == ["promoter", "none", "advocate", "champion"])
        let champion = try #require(j.advocacy.last)
        #expect(champion.evidence.count >= 3)
        #expect(Set(champion.evidence.map(\.type)) == ["social_share", "referral_sent"])
        #expect(try f.engine.queries.advocates(level: "champion").customers.map(\.customerId) == ["p"])
        #expect(try f.engine.queries.advocates().customers.map(\.customerId) == ["p"])
    }

    @Test func championNeedsTheActionsWithinTheWindow() async throws {
        let f = try JourneyFixture()
        try await f.append([ev("w", "social_share", day: 1), ev("w", "referral_sent", day: 200), ev("w", "social_share", day: 400)])
        #expect(try f.engine.queries.customer("w").advocacy.level == "advocate")  // day 1 fell out of the window
        try await f.append([ev("w", "referral_sent", day: 401)])
        #expect(try f.engine.queries.customer("w").advocacy.level == "champion")
    }

    @Test func funnelCountsConversionAndDurations() async throws {
        let f = try JourneyFixture()
        var events: [NewEvent] = []
        // a1..a4 aware; 3 of them consider after 1, 2, 4 days; 1 decides.
        for i in 1...4 { events.append(ev("a\(i)", "ad_click", day: 0)) }
        events.append(ev("a1", "product_view", day: 1))
        events.append(ev("a2", "product_view", day: 2))
        events.append(ev("a3", "product_view", day: 4))
        events.append(ev("a3", "purchase", day: 5))
        try await f.append(events)
        let funnel = try f.engine.queries.funnel()
        #expect(funnel.customers == 4)
        let s = Dictionary(uniqueKeysWithValues: funnel.stages.map { ($0.stage, $0) })
        #expect(s["awareness"]?.current == 1 && s["awareness"]?.reached == 4)
        #expect(s["consideration"]?.current == 2 && s["consideration"]?.reached == 3)
        #expect(s["decision"]?.current == 1 && s["decision"]?.reached == 1)
        #expect(s["awareness"]?.conversionToNext == 0.75)
        #expect(s["awareness"]?.toNext?.customers == 3)
        let day: Double = 86_400
        #expect(s["awareness"]?.toNext?.medianSeconds == 2 * day)
        #expect(s["awareness"]?.toNext?.p90Seconds == 4 * day)
        #expect(s["consideration"]?.toNext?.medianSeconds == day)
        #expect(try f.engine.queries.customers(inStage: "consideration").customers.map(\.customerId) == ["a1", "a2"])
    }

    @Test func pagingThroughAStage() async throws {
        let f = try JourneyFixture()
        try await f.append((0..<25).map { ev(String(format: "p%02d", $0), "ad_click", day: 1) })
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try f.engine.queries.customers(inStage: "awareness", after: cursor, limit: 10)
            seen += page.customers.map(\.customerId)
            cursor = page.next
        } while cursor != nil
        #expect(seen == (0..<25).map { String(format: "p%02d", $0) })
        #expect(throws: StoreError.self) { try f.engine.queries.customers(inStage: "nirvana") }
    }

    @Test func unknownCustomersAreNotFound() async throws {
        let f = try JourneyFixture()
        do {
            _ = try f.engine.queries.customer("ghost")
            Issue.record("expected not_found")
        } catch {
            #expect(error.code == .notFound)
        }
        #expect(throws: StoreError.self) { try f.engine.queries.journey("ghost") }
    }
}
