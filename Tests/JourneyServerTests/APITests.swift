import Foundation
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Testing

/// Every endpoint over real loopback HTTP.
@Suite struct APITests {
    @Test func appendAndReadBack() async throws {
        let f = try await ServerFixture()
        let c = f.client
        // One event, an array, NDJSON.
        var r = try await c.request("POST", "/v1/events", json: #"{"id":"e1","customerId":"c1","type":"ad_click","occurredAt":"2026-01-01T00:00:00Z"}"#)
        #expect(r.status == 200, "\(r.text)")
        #expect((r.object["events"] as? [[String: Any]])?.first?["position"] as? Int == 1)
        r = try await c.request("POST", "/v1/events", json: #"[{"customerId":"c1","type":"product_view","occurredAt":"2026-01-02T00:00:00Z"},{"customerId":"c2","type":"purchase"}]"#)
        #expect(r.status == 200)
        #expect(r.object["written"] as? Int == 2 && r.object["headPosition"] as? Int == 3)
        r = try await c.request("POST", "/v1/events", headers: ["Content-Type": "application/x-ndjson"],
                          body: Data("{\"customerId\":\"c3\",\"type\":\"blog_view\"}\n\n{\"customerId\":\"c3\",\"type\":\"first_login\"}\r\n".utf8))
        #expect(r.status == 200 && r.object["written"] as? Int == 2)
        // Retry: duplicate, original position.
        r = try await c.request("POST", "/v1/events", json: #"{"id":"e1","customerId":"c1","type":"ad_click","occurredAt":"2026-01-01T00:00:00Z"}"#)
        #expect(r.object["duplicates"] as? Int == 1)
        #expect((r.object["events"] as? [[String: Any]])?.first?["position"] as? Int == 1)

        r = try await c.request("GET", "/v1/events?from=2&limit=2")
        let page = r.object
        #expect((page["events"] as? [[String: Any]])?.map { $0["position"] as? Int } == [2, 3])
        #expect(page["next"] as? Int == 4)
        r = try await c.request("GET", "/v1/customers/c1/events?backward=true&limit=1")
        #expect((r.object["events"] as? [[String: Any]])?.first?["version"] as? Int == 2)
        #expect(r.object["next"] as? Int == 1)
        #expect(try await c.request("GET", "/v1/customers/nobody/events").status == 404)

        // Views, waiting for our own write.
        r = try await c.request("GET", "/v1/customers/c1?minPosition=5&timeout=5")
        #expect(r.status == 200, "\(r.text)")
        #expect(r.object["stage"] as? String == "consideration")
        #expect((r.object["stages"] as? [[String: Any]])?.count == 2)
        r = try await c.request("GET", "/v1/customers/c1?asOf=2026-01-01T12:00:00Z")
        #expect(r.object["stage"] as? String == "awareness")
        r = try await c.request("GET", "/v1/customers/c1/journey?minPosition=5")
        #expect((r.object["transitions"] as? [[String: Any]])?.map { $0["to"] as? String } == ["awareness", "consideration"])
        #expect(try await c.request("GET", "/v1/customers/ghost").status == 404)
        r = try await c.request("GET", "/v1/funnel")
        #expect(r.object["customers"] as? Int == 3)
        r = try await c.request("GET", "/v1/stages/decision/customers")
        #expect((r.object["customers"] as? [[String: Any]])?.map { $0["customerId"] as? String } == ["c2"])
        #expect(try await c.request("GET", "/v1/stages/nirvana/customers").status == 404)
        r = try await c.request("GET", "/v1/advocates")
        #expect(r.status == 200 && (r.object["customers"] as? [Any])?.isEmpty == true)
        r = try await c.request("GET", "/v1/projections")
        #expect((r.json as? [[String: Any]])?.count == 5)
        r = try await c.request("GET", "/v1/stats")
        #expect(r.object["events"] as? Int == 5)
        r = try await c.request("POST", "/v1/verify")
        #expect(r.object["ok"] as? Bool == true && r.object["checked"] as? Int == 5)
        try await f.stop()
    }

    @Test func customerAppendWithExpectedVersion() async throws {
        let f = try await ServerFixture()
        let c = f.client
        var r = try await c.request("POST", "/v1/customers/k/events", json: #"{"expectedVersion":"no-stream","events":[{"type":"ad_click"},{"type":"purchase","customerId":"k"}]}"#)
        #expect(r.status == 200, "\(r.text)")
        #expect((r.object["events"] as? [[String: Any]])?.map { $0["version"] as? Int } == [1, 2])
        r = try await c.request("POST", "/v1/customers/k/events", json: #"{"expectedVersion":1,"events":[{"type":"x"}]}"#)
        #expect(r.status == 409)
        #expect(r.headers["content-type"] == "application/problem+json")
        #expect(r.object["type"] as? String == "wrong_expected_version")
        #expect(r.object["expectedVersion"] as? String == "1" && r.object["actualVersion"] as? Int == 2)
        r = try await c.request("POST", "/v1/customers/k/events", json: #"{"expectedVersion":2,"events":[{"type":"x"}]}"#)
        #expect(r.status == 200)
        r = try await c.request("POST", "/v1/customers/k/events", json: #"{"events":[{"type":"x","customerId":"other"}]}"#)
        #expect(r.status == 400 && r.object["field"] as? String == "customerId")
        r = try await c.request("POST", "/v1/events", json: #"{"id":"dup","customerId":"k","type":"a"}"#)
        r = try await c.request("POST", "/v1/events", json: #"{"id":"dup","customerId":"k","type":"b"}"#)
        #expect(r.status == 409 && r.object["type"] as? String == "event_id_conflict")
        try await f.stop()
    }

    @Test func modelRebuildAndSimulation() async throws {
        let f = try await ServerFixture()
        let c = f.client
        let sample = try Data(contentsOf: URL(fileURLWithPath: Repository.file("Schemas/examples/sample-events.ndjson")))
        #expect(try await c.request("POST", "/v1/events", headers: ["Content-Type": "application/x-ndjson"], body: sample).status == 200)
        var r = try await c.request("GET", "/v1/model")
        #expect(r.object["version"] as? String == "1")
        var doc = r.object
        doc["version"] = "2"
        var rules = doc["rules"] as! [[String: Any]]
        rules.insert(["id": "webinar", "stage": "decision", "match": ["type": "webinar_attended"]], at: 0)
        doc["rules"] = rules
        let v2 = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
        r = try await c.request("POST", "/v1/simulations", json: v2)
        #expect(r.status == 200 && (r.object["changedCustomers"] as? Int ?? 0) > 0)
        // A broken model: 400 with the JSON path, nothing changes.
        var broken = doc
        var brokenRules = rules
        brokenRules[0]["stage"] = "decisoin"
        broken["rules"] = brokenRules
        r = try await c.request("PUT", "/v1/model", json: String(decoding: try JSONSerialization.data(withJSONObject: broken), as: UTF8.self))
        #expect(r.status == 400 && r.object["type"] as? String == "invalid_model")
        #expect(r.object["path"] as? String == "$.rules[0].stage")
        r = try await c.request("PUT", "/v1/model", json: v2)
        #expect(r.status == 202, "\(r.text)")
        // The rebuild runs in the background; the model is active once it switches.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, try await c.request("GET", "/v1/model").object["version"] as? String != "2" {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await c.request("GET", "/v1/model").object["version"] as? String == "2")
        #expect(try await c.request("PUT", "/v1/model", json: v2).status == 200)
        r = try await c.request("POST", "/v1/projections/funnel/rebuild")
        #expect(r.status == 202)
        #expect(try await c.request("POST", "/v1/projections/nonsense/rebuild").status == 404)
        while Date() < deadline, (try await c.request("GET", "/v1/projections").json as? [[String: Any]])?.first(where: { $0["name"] as? String == "funnel" })?["generation"] as? Int != 3 {
            try await Task.sleep(for: .milliseconds(50))
        }
        let funnel = (try await c.request("GET", "/v1/projections").json as? [[String: Any]])?.first { $0["name"] as? String == "funnel" }
        #expect(funnel?["generation"] as? Int == 3 && funnel?["modelVersion"] as? String == "2")
        try await f.stop()
    }

    @Test func operationsEndpoints() async throws {
        let f = try await ServerFixture()
        let c = f.client
        #expect(try await c.request("GET", "/healthz").object["status"] as? String == "ok")
        let ready = try await c.request("GET", "/readyz")
        #expect(ready.status == 200 && ready.object["ready"] as? Bool == true)
        _ = try await c.request("POST", "/v1/events", json: #"{"customerId":"m","type":"x"}"#)
        let metrics = try await c.request("GET", "/metrics").text
        #expect(metrics.contains(#"journey_http_requests_total{method="POST",route="/v1/events",status="200"} 1"#))
        #expect(metrics.contains("journey_events_appended_total 1"))
        #expect(metrics.contains("journey_projection_lag_events"))
        #expect(metrics.contains("journey_http_request_duration_seconds_bucket"))
        let spec = try await c.request("GET", "/openapi.yaml")
        #expect(spec.status == 200)
        #expect(spec.text == (try String(contentsOfFile: Repository.file("Schemas/openapi.yaml"), encoding: .utf8)), "the served spec is the file, byte for byte")
        try await f.stop()
    }
}
