import Foundation
@testable import JourneyCore
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Testing

/// A server started on a store made before the journey map existed builds the map itself.
@Suite struct MapUpgradeServerTests {
    @Test func theServerRebuildsAStoreWithoutTheMap() async throws {
        let f = try await ServerFixture { c in
            // The store as an older version left it: events and views, the map's views empty.
            var sc = StoreConfiguration(directory: c.dataDirectory)
            sc.masterKey = ServerFixture.masterKey
            let store = try! EventStore(sc)
            defer { store.close() }
            let engine = try! JourneyEngine(store: store)
            let events = (0..<200).map { i in
                NewEvent(customerId: "o\(i % 20)", type: ["ad_click", "product_view", "purchase"][i % 3], occurredAt: Timestamp(milliseconds: 1_767_225_600_000 + Int64(i) * 60_000))
            }
            let done = DispatchSemaphore(value: 0)
            Task { _ = try! await store.append(events); done.signal() }
            done.wait()
            try! engine.live.catchUp()
            try! engine.views.write { txn, _ in
                let slot = try engine.views.projectionRecord(.journeyMap, in: txn).slot
                for suffix in ProjectionKind.journeyMap.databaseSuffixes { try txn.drop(engine.views.dbs.view(.journeyMap, suffix, slot: slot)) }
                try engine.views.dbs.setCheckpoint(.journeyMap, slot: slot, 0, in: txn)
            }
        }
        let deadline = Date().addingTimeInterval(20)
        var last = try await f.client.request("GET", "/v1/map")
        while last.status != 200 && Date() < deadline {
            #expect(last.status == 503 && last.text.contains("not_built"), "\(last.status) \(last.text)")
            try await Task.sleep(for: .milliseconds(50))
            last = try await f.client.request("GET", "/v1/map")
        }
        #expect(last.status == 200, "\(last.text)")
        #expect(last.object["customers"] as? Int == 20)
        try await f.stop()
    }
}
