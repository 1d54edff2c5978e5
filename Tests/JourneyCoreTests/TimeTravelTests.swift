import Foundation
@testable import JourneyCore
import JourneyStore
import Testing

@Suite struct TimeTravelTests {
    @Test func asOfBusinessTime() async throws {
        let f = try JourneyFixture()
        try await f.append([ev("t", "ad_click", day: 1), ev("t", "product_view", day: 5), ev("t", "purchase", day: 9)])
        #expect(try f.engine.queries.customer("t", asOf: Timestamp(rfc3339: day(3))!).stage == "awareness")
        #expect(try f.engine.queries.customer("t", asOf: Timestamp(rfc3339: day(5))!).stage == "consideration")
        let c = try f.engine.queries.customer("t", asOf: Timestamp(rfc3339: day(100))!)
        #expect(c.stage == "decision" && c.asOf == day(100))
        let j = try f.engine.queries.journey("t", asOf: Timestamp(rfc3339: day(6))!)
        #expect(j.transitions.map(\.to) == ["awareness", "consideration"])
        #expect(j.events.count == 2)
        do {
            _ = try f.engine.queries.customer("t", asOf: Timestamp(rfc3339: day(0.5))!)
            Issue.record("expected not_found before the first event")
        } catch {
            #expect(error.code == .notFound)
        }
    }

    /// knownAt leaves out events recorded later, even when they occurred earlier (late arrivals).
    @Test func asKnownAtRecordingTime() async throws {
        let f = try JourneyFixture()
        try await f.append([ev("k", "ad_click", day: 1), ev("k", "purchase", day: 3)])
        try await Task.sleep(for: .milliseconds(20))
        let between = Timestamp.now()
        try await Task.sleep(for: .milliseconds(20))
        // A late event: it occurred on day 2 but the store learns of it now.
        try await f.append([ev("k", "product_view", day: 2)])
        let then = try f.engine.queries.customer("k", knownAt: between)
        #expect(then.stages.map(\.stage) == ["awareness", "decision"])
        #expect(then.knownAt == between.rfc3339)
        let now = try f.engine.queries.customer("k")
        #expect(now.stages.map(\.stage) == ["awareness", "consideration", "decision"])
        let both = try f.engine.queries.customer("k", asOf: Timestamp(rfc3339: day(2.5))!, knownAt: between)
        #expect(both.stage == "awareness")
    }
}
