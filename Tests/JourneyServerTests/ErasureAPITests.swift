import Foundation
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Testing

/// `DELETE /v1/customers/{id}` and `GET /v1/erasures` over a real server.
@Suite struct ErasureAPITests {
    let write = "write-token-0123456789"
    let admin = "admin-token-0123456789"

    @Test func eraseOverHTTP() async throws {
        let f = try await ServerFixture { c in
            c.tokens = [
                APIToken(name: "ingest", secret: "write-token-0123456789", scope: .write),
                APIToken(name: "dpo", secret: "admin-token-0123456789", scope: .admin),
            ]
        }
        let c = f.client
        func auth(_ t: String) -> [String: String] { ["Authorization": "Bearer \(t)", "Content-Type": "application/json"] }
        let events = Data(#"[{"customerId":"jane","type":"ad_click","properties":{"email":"jane@example.com"}},{"customerId":"jane","type":"survey_response","properties":{"nps":10}},{"customerId":"max","type":"purchase"}]"#.utf8)
        #expect(try await c.request("POST", "/v1/events", headers: auth(write), body: events).status == 200)

        // Only admin may erase or read the audit.
        var r = try await c.request("DELETE", "/v1/customers/jane", headers: auth(write))
        #expect(r.status == 403 && r.object["type"] as? String == "forbidden")
        #expect(try await c.request("GET", "/v1/erasures", headers: auth(write)).status == 403)

        r = try await c.request("DELETE", "/v1/customers/jane?reason=ticket%2042", headers: auth(admin))
        #expect(r.status == 200, "\(r.text)")
        #expect(r.object["erasedBy"] as? String == "token:dpo" && r.object["reason"] as? String == "ticket 42")
        #expect(r.object["duplicate"] as? Bool == false && r.object["position"] as? Int == 4)
        r = try await c.request("DELETE", "/v1/customers/jane", headers: auth(admin))
        #expect(r.status == 200 && r.object["duplicate"] as? Bool == true && r.object["position"] as? Int == 4)
        r = try await c.request("DELETE", "/v1/customers/nobody", headers: auth(admin))
        #expect(r.status == 404 && r.object["type"] as? String == "not_found")

        // The stream reads back redacted, ends with the erasure record, and takes nothing new.
        r = try await c.request("GET", "/v1/customers/jane/events", headers: auth(write))
        #expect(!r.text.contains("jane@example.com") && r.text.contains(#""redacted":true"#) && r.text.contains(#""erasure":true"#))
        #expect(!r.text.contains("dpo"), "who erased is for admins only")
        r = try await c.request("POST", "/v1/events", headers: auth(write), body: Data(#"{"customerId":"jane","type":"purchase"}"#.utf8))
        #expect(r.status == 410 && r.object["type"] as? String == "customer_erased")
        r = try await c.request("POST", "/v1/customers/jane/events", headers: auth(write), body: Data(#"{"events":[{"type":"purchase"}]}"#.utf8))
        #expect(r.status == 410)

        // Views: still counted, no personal values; time travel refused.
        r = try await c.request("GET", "/v1/customers/jane?minPosition=4", headers: auth(write))
        #expect(r.status == 200 && r.object["erasedAt"] is String && r.object["stage"] as? String == "retention")
        #expect((r.object["advocacy"] as? [String: Any])?["metrics"] as? [String: Any] == nil || ((r.object["advocacy"] as? [String: Any])?["metrics"] as? [String: Any])?.isEmpty == true)
        r = try await c.request("GET", "/v1/customers/jane?asOf=2030-01-01T00:00:00Z", headers: auth(write))
        #expect(r.status == 410 && r.object["type"] as? String == "customer_erased")
        r = try await c.request("GET", "/v1/funnel", headers: auth(write))
        #expect(r.object["customers"] as? Int == 2)

        // The audit of erasures.
        r = try await c.request("GET", "/v1/erasures", headers: auth(admin))
        let list = try #require(r.object["erasures"] as? [[String: Any]])
        #expect(list.count == 1 && list[0]["customerId"] as? String == "jane" && list[0]["erasedBy"] as? String == "token:dpo")
        r = try await c.request("GET", "/v1/erasures?customerId=jane", headers: auth(admin))
        #expect((r.object["erasures"] as? [[String: Any]])?.count == 1)
        r = try await c.request("GET", "/v1/erasures?customerId=max", headers: auth(admin))
        #expect((r.object["erasures"] as? [[String: Any]])?.count == 0)
        // A customerId no event could have is the client's mistake (found by schemathesis: an
        // empty one was a 500 from LMDB).
        for bad in ["", String(repeating: "x", count: 257)] {
            r = try await c.request("GET", "/v1/erasures?customerId=\(bad)", headers: auth(admin))
            #expect(r.status == 400 && r.object["type"] as? String == "invalid_argument" && r.text.contains("customerId"), "\(r.text)")
        }
        r = try await c.request("POST", "/v1/verify", headers: auth(admin))
        #expect(r.object["ok"] as? Bool == true, "\(r.text)")
        try await f.stop()
    }

    @Test func aServerRefusesAStoreWithoutItsKey() async throws {
        let f = try await ServerFixture()
        _ = try await f.client.request("POST", "/v1/events", json: #"{"customerId":"a","type":"t","properties":{"x":1}}"#)
        try await f.stop()
        var c = ServerConfiguration()
        c.port = 0
        c.dataDirectory = f.directory.appending("data")
        #expect { _ = try JourneyServer(configuration: c, logger: .init(label: "t")) } throws: { ($0 as? StoreError)?.code == .masterKeyMissing }
        c.masterKeyText = MasterKey.generate().hex
        #expect { _ = try JourneyServer(configuration: c, logger: .init(label: "t")) } throws: { ($0 as? StoreError)?.code == .masterKeyWrong }
        c.masterKeyText = "not-a-key"
        #expect { _ = try JourneyServer(configuration: c, logger: .init(label: "t")) } throws: { ($0 as? StoreError)?.code == .masterKeyInvalid }
    }
}
