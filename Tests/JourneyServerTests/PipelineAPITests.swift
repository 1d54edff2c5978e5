import CompressNIO
import Foundation
import JourneyServer
import JourneyStore
import JourneyTestSupport
import NIOCore
import Testing

/// Segment's tracking API and CloudEvents over a real server: auth as Segment's clients send
/// it, gzip, atomic batches, the bad-input table, idempotent retries.
@Suite struct PipelineAPITests {
    static let key = "segment-write-key-0123456789"
    static let reader = "read-only-token-0123456789"

    static func basic(_ key: String) -> [String: String] {
        ["Authorization": "Basic " + Data("\(key):".utf8).base64EncodedString(), "Content-Type": "application/json"]
    }

    static func gzip(_ text: String) throws -> Data {
        var b = ByteBuffer(bytes: Array(text.utf8))
        let c = try b.compress(with: .gzip())
        return Data(c.readableBytesView)
    }

    static func fixture() async throws -> ServerFixture {
        try await ServerFixture { c in
            c.tokens = [APIToken(name: "segment", secret: Self.key, scope: .write), APIToken(name: "dash", secret: Self.reader, scope: .read)]
        }
    }

    @Test func segmentBatchesAndCalls() async throws {
        let f = try await Self.fixture()
        let c = f.client
        let h = Self.basic(Self.key)
        let batch = #"""
            {"batch":[
              {"type":"page","anonymousId":"v-1","messageId":"m1","name":"Pricing","properties":{"path":"/pricing"},"timestamp":"2026-03-01T10:00:00Z"},
              {"type":"track","anonymousId":"v-1","messageId":"m2","event":"Product Viewed","timestamp":"2026-03-01T10:05:00Z","context":{"campaign":{"medium":"email","name":"spring"}}},
              {"type":"identify","userId":"u-1","anonymousId":"v-1","messageId":"m3","traits":{"plan":"smb","region":"emea"},"timestamp":"2026-03-02T09:00:00Z"}
            ],"sentAt":"2026-03-02T09:00:01Z"}
            """#
        var r = try await c.request("POST", "/segment/v1/batch", headers: h, body: Data(batch.utf8))
        #expect(r.status == 200 && r.text == #"{"success":true}"#, "\(r.text)")
        // A retry carries another sentAt: the messages are duplicates by messageId, not conflicts.
        r = try await c.request("POST", "/segment/v1/batch", headers: h, body: Data(batch.replacingOccurrences(of: "09:00:01Z", with: "09:00:07Z").utf8))
        #expect(r.status == 200, "\(r.text)")
        // A gzip-encoded single call, and the bearer form of the key.
        var gz = h
        gz["Content-Encoding"] = "gzip"
        r = try await c.request("POST", "/segment/v1/track", headers: gz,
                                body: try Self.gzip(#"{"userId":"u-1","messageId":"m4","event":"Order Completed","properties":{"revenue":99,"sentiment":0.8},"timestamp":"2026-03-03T09:00:00Z"}"#))
        #expect(r.status == 200, "\(r.text)")
        r = try await c.request("POST", "/segment/v1/alias", headers: ["Authorization": "Bearer \(Self.key)"],
                                body: Data(#"{"previousId":"v-2","userId":"u-1","messageId":"m5"}"#.utf8))
        #expect(r.status == 200, "\(r.text)")
        r = try await c.request("GET", "/v1/events?limit=100", headers: ["Authorization": "Bearer \(Self.reader)"])
        let events = try #require(r.object["events"] as? [[String: Any]])
        #expect(events.map { $0["type"] as? String } == ["page_view", "product_viewed", "identify", "order_completed", "alias"])
        #expect(events[0]["touchpoint"] as? String == "/pricing" && events[1]["channel"] as? String == "email")
        #expect((events[1]["properties"] as? [String: Any])?["campaign"] != nil)
        #expect(events[2]["customerId"] as? String == "u-1" && (events[2]["properties"] as? [String: Any])?["plan"] as? String == "smb")
        #expect(events[3]["sentiment"] as? Double == 0.8 && (events[3]["properties"] as? [String: Any])?.keys.sorted() == ["revenue"])
        #expect(events[4]["anonymousId"] as? String == "v-2")
        // The visitor's page view is the customer's awareness.
        r = try await c.request("GET", "/v1/customers/v-1?minPosition=5", headers: ["Authorization": "Bearer \(Self.reader)"])
        #expect(r.object["canonicalId"] as? String == "u-1", "\(r.text)")
        r = try await c.request("GET", "/v1/customers/u-1/identities", headers: ["Authorization": "Bearer \(Self.reader)"])
        #expect((r.object["identities"] as? [[String: Any]])?.compactMap { $0["id"] as? String }.sorted() == ["u-1", "v-1", "v-2"])

        // Bad input: nothing of the batch is written, the message's index and field named.
        let head = try f.server.state.store.headPosition()
        r = try await c.request("POST", "/segment/v1/batch", headers: h, body: Data(#"{"batch":[{"type":"track","userId":"u","event":"A"},{"type":"track","userId":"u"}]}"#.utf8))
        #expect(r.status == 400 && r.object["index"] as? Int == 1 && r.object["field"] as? String == "event" && r.object["success"] as? Bool == false, "\(r.text)")
        #expect(try f.server.state.store.headPosition() == head)
        let big = String(repeating: "x", count: 40_000)
        r = try await c.request("POST", "/segment/v1/batch", headers: h, body: Data(#"{"batch":[{"type":"track","userId":"u","event":"A","properties":{"p":"\#(big)"}}]}"#.utf8))
        #expect(r.status == 400 && r.object["index"] as? Int == 0 && r.text.contains("32768"), "\(r.text)")
        r = try await c.request("POST", "/segment/v1/batch", headers: h, body: Data(repeating: 0x20, count: 600_000))
        #expect(r.status == 413, "\(r.text)")
        // A small gzip body that unpacks past the limit.
        r = try await c.request("POST", "/segment/v1/batch", headers: gz, body: try Self.gzip(#"{"batch":[],"pad":""# + String(repeating: "a", count: 700_000) + #""}"#))
        #expect(r.status == 413, "\(r.text)")
        r = try await c.request("POST", "/segment/v1/batch", headers: gz, body: Data("not gzip".utf8))
        #expect(r.status == 400, "\(r.text)")
        var br = h
        br["Content-Encoding"] = "br"
        r = try await c.request("POST", "/segment/v1/track", headers: br, body: Data("{}".utf8))
        #expect(r.status == 415)
        // Auth: no key, an unknown key, a key without write scope.
        r = try await c.request("POST", "/segment/v1/track", body: Data("{}".utf8))
        #expect(r.status == 401 && r.text.contains("write key"))
        r = try await c.request("POST", "/segment/v1/track", headers: Self.basic("nope-nope-nope-nope"), body: Data("{}".utf8))
        #expect(r.status == 401)
        r = try await c.request("POST", "/segment/v1/track", headers: Self.basic(Self.reader), body: Data(#"{"userId":"u","event":"x"}"#.utf8))
        #expect(r.status == 403)
        #expect(try f.server.state.store.headPosition() == head)
        try await f.stop()
    }

    @Test func segmentsDocumentedExamplesOverHTTP() async throws {
        let f = try await Self.fixture()
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.file("Schemas/examples/segment-examples.json")))
        let examples = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["examples"] as? [[String: Any]])
        for (i, x) in examples.enumerated() {
            var message = try #require(x["message"] as? [String: Any])
            let call = try #require(message["type"] as? String)
            // Segment's docs reuse one messageId in several examples; here each is its own message.
            message["messageId"] = "doc-\(i)"
            let r = try await f.client.request("POST", "/segment/v1/\(call)", headers: Self.basic(Self.key), body: try JSONSerialization.data(withJSONObject: message))
            #expect(r.status == 200, "\(call): \(r.text)")
        }
        #expect(try f.server.state.store.headPosition() == 6)
        try await f.stop()
    }

    @Test func cloudEventsInAllThreeModes() async throws {
        let f = try await Self.fixture()
        let c = f.client
        let auth = ["Authorization": "Bearer \(Self.key)"]
        func post(_ type: String, _ body: String, headers extra: [String: String] = [:]) async throws -> HTTPTestClient.Response {
            var h = auth
            h["Content-Type"] = type
            for (k, v) in extra { h[k] = v }
            return try await c.request("POST", "/v1/events", headers: h, body: Data(body.utf8))
        }
        var r = try await post("application/cloudevents+json", #"{"specversion":"1.0","id":"e1","source":"/shop","type":"com.example.shop.ad_click","anonymousid":"v-9","time":"2026-01-01T00:00:00Z","data":{"touchpoint":"banner"}}"#)
        #expect(r.status == 200 && r.text.contains(#""id":"/shop e1""#), "\(r.text)")
        r = try await post("application/cloudevents-batch+json", #"[{"specversion":"1.0","id":"e2","source":"/shop","type":"com.example.shop.purchase","subject":"c-9","anonymousid":"v-9","time":"2026-01-02T00:00:00Z","data":{"properties":{"total":10}}},{"specversion":"1.0","id":"e1","source":"/shop","type":"com.example.shop.ad_click","anonymousid":"v-9","time":"2026-01-05T00:00:00Z"}]"#)
        #expect(r.status == 200 && r.object["duplicates"] as? Int == 1 && r.object["written"] as? Int == 1, "\(r.text)")
        r = try await post("application/json", #"{"channel":"app"}"#, headers: [
            "ce-specversion": "1.0", "ce-id": "e3", "ce-source": "/auth", "ce-type": "com.example.first_login", "ce-subject": "c-9", "ce-time": "2026-01-03T00:00:00Z",
        ])
        #expect(r.status == 200, "\(r.text)")
        r = try await c.request("GET", "/v1/customers/v-9?minPosition=3", headers: auth)
        #expect(r.object["canonicalId"] as? String == "c-9" && r.object["stage"] as? String == "onboarding", "\(r.text)")

        // The bad-input table: the field named, nothing written.
        let head = try f.server.state.store.headPosition()
        for (body, field) in [
            (#"{"specversion":"0.3","id":"x","source":"/s","type":"t","subject":"c"}"#, "specversion"),
            (#"{"specversion":"1.0","source":"/s","type":"t","subject":"c"}"#, "id"),
            (#"{"specversion":"1.0","id":"x","type":"t","subject":"c"}"#, "source"),
            (#"{"specversion":"1.0","id":"x","source":"/s","subject":"c"}"#, "type"),
            (#"{"specversion":"1.0","id":"x","source":"/s","type":"t"}"#, "subject"),
        ] {
            r = try await post("application/cloudevents+json", body)
            #expect(r.status == 400 && r.object["field"] as? String == field, "\(body): \(r.text)")
        }
        r = try await post("application/cloudevents-batch+json", #"[{"specversion":"1.0","id":"ok","source":"/s","type":"t","subject":"c"},{"specversion":"1.0","id":"bad","type":"t","subject":"c"}]"#)
        #expect(r.status == 400 && r.object["index"] as? Int == 1 && r.object["field"] as? String == "source", "\(r.text)")
        r = try await post("application/json", "{}", headers: ["ce-specversion": "1.0", "ce-source": "/s", "ce-type": "t", "ce-subject": "c"])
        #expect(r.status == 400 && r.object["field"] as? String == "id", "\(r.text)")
        r = try await post("application/cloudevents+json", "[1,2]")
        #expect(r.status == 400)
        #expect(try f.server.state.store.headPosition() == head)
        try await f.stop()
    }
}
