import Foundation
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Testing

/// Anonymous visitors, links, `POST /v1/identities/merge|unmerge` and
/// `GET /v1/customers/{id}/identities` over a real server.
@Suite struct IdentityAPITests {
    let write = "write-token-0123456789"
    let admin = "admin-token-0123456789"

    @Test func visitorsMergesAndUnmergesOverHTTP() async throws {
        let f = try await ServerFixture { c in
            c.tokens = [
                APIToken(name: "ingest", secret: "write-token-0123456789", scope: .write),
                APIToken(name: "cx", secret: "admin-token-0123456789", scope: .admin),
            ]
        }
        let c = f.client
        func auth(_ t: String) -> [String: String] { ["Authorization": "Bearer \(t)", "Content-Type": "application/json"] }
        let events = #"""
            [{"anonymousId":"v-9","type":"ad_click","occurredAt":"2026-01-01T00:00:00Z"},
             {"anonymousId":"v-9","type":"product_view","occurredAt":"2026-01-02T00:00:00Z"},
             {"customerId":"ann","anonymousId":"v-9","type":"identify","occurredAt":"2026-01-03T00:00:00Z","properties":{"plan":"smb"}},
             {"customerId":"ann","type":"purchase","occurredAt":"2026-01-04T00:00:00Z"},
             {"customerId":"bob","type":"first_login","occurredAt":"2026-01-05T00:00:00Z"}]
            """#
        var r = try await c.request("POST", "/v1/events", headers: auth(write), body: Data(events.utf8))
        #expect(r.status == 200, "\(r.text)")
        #expect(r.text.contains(#""anonymousId":"v-9""#))

        // Neither id: the error names both fields.
        r = try await c.request("POST", "/v1/events", headers: auth(write), body: Data(#"{"type":"ad_click"}"#.utf8))
        #expect(r.status == 400 && r.text.contains("customerId") && r.text.contains("anonymousId"))

        // Asked by the visitor: the customer's journey, with the visitor's awareness.
        r = try await c.request("GET", "/v1/customers/v-9?minPosition=5", headers: auth(write))
        #expect(r.status == 200 && r.object["canonicalId"] as? String == "ann" && r.object["stage"] as? String == "decision", "\(r.text)")
        #expect((r.object["identities"] as? [[String: Any]])?.compactMap { $0["id"] as? String }.sorted() == ["ann", "v-9"])
        r = try await c.request("GET", "/v1/customers/v-9/events", headers: auth(write))
        #expect(r.status == 200 && (r.object["events"] as? [Any])?.count == 2, "\(r.text)")
        r = try await c.request("GET", "/v1/customers/ann/identities", headers: auth(write))
        let listed = try #require(r.object["identities"] as? [[String: Any]])
        #expect(listed.count == 2 && listed[1]["id"] as? String == "v-9" && listed[1]["type"] as? String == "identify" && listed[1]["position"] as? Int == 3)
        r = try await c.request("GET", "/v1/customers/nobody/identities", headers: auth(write))
        #expect(r.status == 404)
        r = try await c.request("GET", "/v1/funnel", headers: auth(write))
        #expect(r.object["customers"] as? Int == 2)

        // Merges are for admins.
        let merge = Data(#"{"from":"bob","into":"ann","reason":"one person, two accounts"}"#.utf8)
        r = try await c.request("POST", "/v1/identities/merge", headers: auth(write), body: merge)
        #expect(r.status == 403)
        r = try await c.request("POST", "/v1/identities/merge", headers: auth(admin), body: merge)
        #expect(r.status == 200 && r.object["changed"] as? Bool == true && r.object["by"] as? String == "token:cx", "\(r.text)")
        #expect((r.object["identities"] as? [Any])?.count == 3)
        r = try await c.request("GET", "/v1/customers/bob", headers: auth(write))
        #expect(r.object["canonicalId"] as? String == "ann" && r.object["stage"] as? String == "onboarding", "\(r.text)")
        r = try await c.request("GET", "/v1/funnel", headers: auth(write))
        #expect(r.object["customers"] as? Int == 1)
        r = try await c.request("POST", "/v1/identities/merge", headers: auth(admin), body: merge)
        #expect(r.status == 200 && r.object["changed"] as? Bool == false)
        r = try await c.request("GET", "/v1/customers/ann/identities", headers: auth(write))
        let merged = try #require((r.object["identities"] as? [[String: Any]])?.last)
        #expect(merged["id"] as? String == "bob" && merged["by"] as? String == "token:cx" && merged["reason"] as? String == "one person, two accounts")

        // Unmerge: back apart; not linked afterwards is a 409.
        r = try await c.request("POST", "/v1/identities/unmerge", headers: auth(admin), body: Data(#"{"from":"bob","into":"ann"}"#.utf8))
        #expect(r.status == 200 && r.object["changed"] as? Bool == true, "\(r.text)")
        r = try await c.request("GET", "/v1/customers/bob", headers: auth(write))
        #expect(r.object["canonicalId"] as? String == "bob" && r.object["stage"] as? String == "onboarding")
        r = try await c.request("GET", "/v1/funnel", headers: auth(write))
        #expect(r.object["customers"] as? Int == 2)
        r = try await c.request("POST", "/v1/identities/unmerge", headers: auth(admin), body: Data(#"{"from":"bob","into":"ann"}"#.utf8))
        #expect(r.status == 409 && r.object["type"] as? String == "not_linked")

        // Bad bodies: 400 naming the field; unknown ids 404; blocked ids 400.
        for (body, field) in [(#"{"into":"ann"}"#, "from"), (#"{"from":"bob","into":7}"#, "into"), (#"{"from":"bob","into":"ann","by":"x"}"#, "by"),
                              (#"{"from":"bob","into":"ann","fromKind":"robot"}"#, "fromKind")] {
            r = try await c.request("POST", "/v1/identities/merge", headers: auth(admin), body: Data(body.utf8))
            #expect(r.status == 400 && r.object["field"] as? String == field, "\(body): \(r.text)")
        }
        r = try await c.request("POST", "/v1/identities/merge", headers: auth(admin), body: Data("[1".utf8))
        #expect(r.status == 400)
        r = try await c.request("POST", "/v1/identities/merge", headers: auth(admin), body: Data(#"{"from":"nobody","into":"ann"}"#.utf8))
        #expect(r.status == 404)
        r = try await c.request("POST", "/v1/identities/merge", headers: auth(admin), body: Data(#"{"from":"null","into":"ann"}"#.utf8))
        #expect(r.status == 400 && r.text.contains("block-list"), "\(r.text)")
        r = try await c.request("GET", "/v1/identities/merge", headers: auth(admin))
        #expect(r.status == 405)
        r = try await c.request("POST", "/v1/identities/merge", headers: auth(admin), body: Data(#"{"from":"\#(String(repeating: "x", count: 300))","into":"ann"}"#.utf8))
        #expect(r.status == 400 && r.object["field"] as? String == "from", "\(r.text)")
        try await f.stop()
    }
}
