import Foundation
@testable import JourneyCore
import JourneyStore
import Testing

@Suite struct RebuildTests {
    @Test func rebuildOneProjectionBesideTheLiveOne() async throws {
        var small = EngineConfiguration()
        small.rebuildChunkEvents = 50
        let f = try JourneyFixture(configuration: small)
        try await f.append((0..<200).map { i in ev("r\(i % 20)", ["ad_click", "product_view", "purchase"][i % 3], day: Double(i) / 10) })
        let before = try f.engine.queries.funnel()
        var reports: [[RebuildProgress]] = []
        let final = try f.engine.rebuilder.rebuild([.funnel]) { reports.append($0) }
        #expect(reports.count >= 4)  // progress after each chunk
        #expect(final.first?.switched == true && final.first?.generation == 2)
        #expect(try f.engine.queries.funnel() == before)
        let status = Dictionary(uniqueKeysWithValues: try f.engine.queries.status().map { ($0.name, $0) })
        #expect(status["funnel"]?.generation == 2)
        #expect(status["customer-stage"]?.generation == 1)
        #expect(status.values.allSatisfy { $0.state == "live" && $0.rebuild == nil })
    }

    /// Appends keep landing while a rebuild runs; after the switch the views hold all of them.
    @Test func rebuildCatchesUpWithConcurrentAppends() async throws {
        var small = EngineConfiguration()
        small.rebuildChunkEvents = 40
        let f = try JourneyFixture(configuration: small)
        try await f.append((0..<500).map { i in ev("x\(i % 50)", "ad_click", day: Double(i) / 100) })
        let appender = Task {
            for i in 0..<30 { _ = try await f.store.append([ev("late\(i)", "purchase", day: 9)]) }
        }
        try f.engine.rebuilder.rebuild()
        try await appender.value
        try f.engine.live.catchUp()
        #expect(try f.engine.queries.funnel().customers == 80)
        #expect(try f.engine.queries.customer("late29").stage == "decision")
    }

    /// A rebuild folds in memory and saves from time to time: stopped part way, it keeps its
    /// last save, resumes from there (not from 1) and ends with the views a whole rebuild gives;
    /// with saving every chunk (interval 0) the views are the same.
    @Test func aStoppedRebuildResumesFromItsLastSave() async throws {
        var c = EngineConfiguration()
        c.rebuildChunkEvents = 30
        c.rebuildSaveInterval = .nanoseconds(1)  // a save after every chunk
        let f = try JourneyFixture(configuration: c)
        let types = ["ad_click", "product_view", "pricing_view", "purchase", "first_login", "repeat_purchase", "referral_sent"]
        try await f.append((0..<600).map { i in ev("s\(i % 40)", types[(i / 40 + i % 3) % types.count], day: Double(i) / 20) })
        func snapshot(_ e: JourneyEngine) throws -> String {
            let q = e.queries
            let customers = try (0..<40).map { try q.customer("s\($0)") }.map { "\($0.stage ?? "-") \($0.eventCount)" }
            var m = MapQuery()
            m.at = Timestamp(rfc3339: "2026-03-01T00:00:00Z")
            return "\(try q.funnel()) \(try q.map(m)) \(customers)"
        }
        let before = try snapshot(f.engine)
        var chunks = 0
        #expect(throws: StoreError.self) {
            try f.engine.rebuilder.rebuild { _ in
                chunks += 1
                if chunks == 6 { f.engine.rebuilder.cancel() }
            }
        }
        let stopped = try f.engine.queries.status()
        let saved = try #require(stopped.first { $0.name == "journey-history" }?.rebuild)
        #expect(saved.checkpoint >= 150 && saved.checkpoint < 600, "saved at \(saved.checkpoint)")
        let again = try JourneyEngine(store: f.store, configuration: c)
        var first: UInt64?
        let final = try again.rebuilder.rebuild { reports in first = first ?? reports.first?.checkpoint }
        #expect(final.allSatisfy { $0.switched })
        let resumedAt = try #require(first)
        #expect(resumedAt <= saved.checkpoint + 30 + 1)  // went on from the save
        #expect(try snapshot(again) == before)
        var everyChunk = c
        everyChunk.rebuildSaveInterval = .zero
        let third = try JourneyEngine(store: f.store, configuration: everyChunk)
        try third.rebuilder.rebuild()
        #expect(try snapshot(third) == before)
    }

    @Test func activatingAModelRebuildsUnderItAndRefusesVersionReuse() async throws {
        let f = try JourneyFixture()
        try await f.append([ev("m", "ad_click", day: 1), ev("m", "webinar_attended", day: 2)])
        #expect(try f.engine.queries.customer("m").stage == "consideration")
        var doc = try JSONSerialization.jsonObject(with: Data(JourneyModel.defaultDocument.utf8)) as! [String: Any]
        doc["version"] = "2"
        var rules = doc["rules"] as! [[String: Any]]
        rules.insert(["id": "webinar-is-decision", "stage": "decision", "match": ["type": "webinar_attended"]], at: 0)
        doc["rules"] = rules
        let text = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
        let v2 = try JourneyModel.parse(text)
        let reports = try f.engine.rebuilder.activate(v2)
        #expect(reports.count == 5)
        #expect(try f.engine.queries.customer("m").stage == "decision")
        #expect(try f.engine.queries.customer("m").modelVersion == "2")
        #expect(try f.engine.rebuilder.activate(v2).isEmpty)  // already active
        doc["name"] = "changed"
        let sameVersion = try JourneyModel.parse(String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))
        #expect(throws: StoreError.self) { try f.engine.rebuilder.activate(sameVersion) }
        #expect(try f.engine.queries.activeModel().version == "2")
    }

    @Test func whatIfComparesWithoutTouchingTheViews() async throws {
        let f = try JourneyFixture()
        try await f.append([
            ev("a", "ad_click", day: 1), ev("a", "webinar_attended", day: 2),
            ev("b", "ad_click", day: 1), ev("c", "pricing_view", day: 1),
        ])
        var doc = try JSONSerialization.jsonObject(with: Data(JourneyModel.defaultDocument.utf8)) as! [String: Any]
        doc["version"] = "what-if"
        var rules = doc["rules"] as! [[String: Any]]
        rules.insert(["id": "webinar-is-decision", "stage": "decision", "match": ["type": "webinar_attended"]], at: 0)
        doc["rules"] = rules
        let alt = try JourneyModel.parse(String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))
        let report = try f.engine.queries.simulate(alt)
        #expect(report.customers == 3 && report.events == 4)
        #expect(report.changedCustomers == 1)
        #expect(report.sample == [.init(customerId: "a", live: "consideration", alternative: "decision")])
        let rows = Dictionary(uniqueKeysWithValues: report.stages.map { ($0.stage, $0) })
        #expect(rows["consideration"]?.live == 1 && rows["consideration"]?.alternative == 0)
        #expect(rows["decision"]?.live == 1 && rows["decision"]?.alternative == 2)
        // Nothing changed.
        #expect(try f.engine.queries.customer("a").stage == "consideration")
        #expect(try f.engine.queries.activeModel().version == "1")
    }

    @Test func waitersAreReleasedWhenTheViewsReachAPosition() async throws {
        let f = try JourneyFixture()
        let r = try await f.append([ev("w", "ad_click", day: 1)], catchUp: false)
        let waiter = Task { await f.engine.live.applied.wait(until: r.headPosition) }
        try f.engine.live.catchUp()
        _ = await waiter.value
        #expect(f.engine.live.applied.value >= r.headPosition)
    }
}
