import Foundation
@testable import JourneyCore
import JourneyStore
import Testing

/// A store made before the journey map existed: its other views are built, the map's are empty.
@Suite struct MapUpgradeTests {
    /// Turns `f`'s store into one from before the map: the journey-map view emptied, at checkpoint 0.
    static func forgetTheMap(_ f: JourneyFixture) throws {
        try f.engine.views.write { txn, _ in
            let slot = try f.engine.views.projectionRecord(.journeyMap, in: txn).slot
            for suffix in ProjectionKind.journeyMap.databaseSuffixes { try txn.drop(f.engine.views.dbs.view(.journeyMap, suffix, slot: slot)) }
            try f.engine.views.dbs.setCheckpoint(.journeyMap, slot: slot, 0, in: txn)
        }
    }

    @Test func theOtherViewsGoOnAndTheMapIsBuiltByARebuild() async throws {
        let f = try JourneyFixture(masterKey: MasterKey.generate())
        try await f.append((0..<300).map { i in ev("u\(i % 30)", ["ad_click", "product_view", "pricing_view", "purchase"][i % 4], day: Double(i) / 10) })
        var q = MapQuery()
        q.at = Timestamp(rfc3339: "2026-03-01T00:00:00Z")
        let expected = try f.engine.queries.map(q)
        try Self.forgetTheMap(f)
        let engine = try JourneyEngine(store: f.store)
        // The map says what to do; the other projections keep following the log.
        let error = #expect(throws: StoreError.self) { try engine.queries.map(q) }
        #expect(error?.code == .notBuilt && error?.description.contains("journeyctl rebuild") == true)
        #expect(throws: StoreError.self) { try engine.queries.atRisk() }
        _ = try await f.store.append([ev("newcomer", "purchase", day: 40)])
        try engine.live.catchUp()
        #expect(try engine.queries.customer("newcomer").stage == "decision")
        let status = Dictionary(uniqueKeysWithValues: try engine.queries.status().map { ($0.name, $0) })
        #expect(status["journey-map"]?.state == "needs-rebuild" && status["journey-map"]?.checkpoint == 0)
        #expect(status["funnel"]?.state == "live" && status["funnel"]?.lag == 0)
        // doctor (and /readyz) say what to do about it.
        let check = StoreDoctor.projectionChecks(try engine.queries.status(), lagThreshold: 100_000).first { $0.name == "projection journey-map" }
        #expect(check?.status == .warn && check?.detail.contains("not built yet") == true && check?.advice?.contains("journeyctl rebuild") == true, "\(String(describing: check))")
        try engine.rebuilder.rebuild()
        let rebuilt = try engine.queries.map(q)
        #expect(rebuilt.customers == expected.customers + 1)
        #expect(try engine.queries.status().allSatisfy { $0.state == "live" && $0.lag == 0 })
    }
}
