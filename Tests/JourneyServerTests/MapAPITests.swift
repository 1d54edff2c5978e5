import Foundation
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Testing

/// `GET /v1/map`, `/v1/map/paths` and `/v1/customers/at-risk` over a real server.
@Suite struct MapAPITests {
    @Test func theMapOverHTTP() async throws {
        let f = try await ServerFixture()
        let c = f.client
        let body = try Data(contentsOf: URL(fileURLWithPath: Repository.file("Tests/Fixtures/journeys/j-native.ndjson")))
        var r = try await c.request("POST", "/v1/events", headers: ["Content-Type": "application/x-ndjson"], body: body)
        #expect(r.status == 200, "\(r.text)")
        let head = (r.object["headPosition"] as? Int) ?? 0
        r = try await c.request("GET", "/v1/map?minPosition=\(head)&at=2026-03-20T00:00:00Z&minSupport=5")
        #expect(r.status == 200, "\(r.text)")
        let stages = try #require(r.object["stages"] as? [[String: Any]])
        #expect(stages.count == 6 && r.object["segment"] as? String == "all" && r.object["minSupport"] as? Int == 5)
        #expect((stages[0]["touchpoints"] as? [Any])?.isEmpty == false && stages[0]["timeToNext"] is [String: Any])
        r = try await c.request("GET", "/v1/funnel")
        let funnel = try #require(r.object["stages"] as? [[String: Any]])
        #expect(stages.map { $0["reached"] as? Int } == funnel.map { $0["reached"] as? Int })
        r = try await c.request("GET", "/v1/map?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z")
        #expect(r.status == 200 && (r.object["customers"] as? Int ?? 0) > 0, "\(r.text)")
        r = try await c.request("GET", "/v1/map/paths?stage=consideration&at=2026-03-20T00:00:00Z")
        #expect(r.status == 200 && r.object["wentOn"] is [Any], "\(r.text)")
        r = try await c.request("GET", "/v1/customers/at-risk?limit=2&at=2026-03-20T00:00:00Z")
        #expect(r.status == 200 && (r.object["customers"] as? [Any])?.count == 2 && r.object["next"] is String, "\(r.text)")
        let next = r.object["next"] as! String
        r = try await c.request("GET", "/v1/customers/at-risk?limit=2&cursor=\(next)&at=2026-03-20T00:00:00Z")
        #expect(r.status == 200 && (r.object["customers"] as? [Any])?.count == 2)
        // Bad input names the parameter; unknown segment or stage is 404.
        for (query, status, field) in [
            ("/v1/map?segment=nope", 404, "segment"), ("/v1/map?from=yesterday", 400, nil), ("/v1/map?minSupport=0", 400, nil),
            ("/v1/map?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", 400, "to"), ("/v1/map?painLift=x", 400, "painLift"),
            ("/v1/map/paths", 400, "stage"), ("/v1/map/paths?stage=nowhere", 404, "stage"),
            ("/v1/customers/at-risk?reason=bored", 400, "reason"), ("/v1/customers/at-risk?after=zz", 400, "after"),
        ] as [(String, Int, String?)] {
            r = try await c.request("GET", query)
            #expect(r.status == status, "\(query): \(r.text)")
            if let field { #expect(r.object["field"] as? String == field, "\(query): \(r.text)") }
        }
        try await f.stop()
    }
}
