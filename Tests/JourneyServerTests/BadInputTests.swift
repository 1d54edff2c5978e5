import Foundation
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Testing

/// A client's mistake is a 4xx problem with a stable type, and writes nothing.
@Suite struct BadInputTests {
    @Test func badRequestsAreProblemsAndWriteNothing() async throws {
        let f = try await ServerFixture { $0.maxBodyBytes = 200_000 }
        let c = f.client
        let cases: [(String, String, [String: String], String, Int, String)] = [
            ("POST", "/v1/events", [:], #"{"customerId":"a","type":"t""#, 400, "invalid_event"),
            ("POST", "/v1/events", [:], #"[{"customerId":"a","type":"t"},{"type":"t"}]"#, 400, "invalid_event"),
            ("POST", "/v1/events", [:], #"{"customerId":"a","type":"t","sentiment":7}"#, 400, "invalid_event"),
            ("POST", "/v1/events", [:], #"{"customerId":"a","type":"t","occurredAt":"tomorrow"}"#, 400, "invalid_event"),
            ("POST", "/v1/events", [:], #"[]"#, 400, "invalid_event"),
            ("POST", "/v1/events", ["Content-Type": "application/x-ndjson"], "{\"customerId\":\"a\",\"type\":\"t\"}\nnope\n", 400, "invalid_event"),
            ("POST", "/v1/events", ["Content-Type": "text/csv"], "a,b", 415, "unsupported_media_type"),
            ("POST", "/v1/customers/x/events", [:], #"{"expectedVersion":"sometime","events":[{"type":"t"}]}"#, 400, "invalid_argument"),
            ("POST", "/v1/customers/x/events", [:], #"{"events":[]}"#, 400, "invalid_argument"),
            ("GET", "/v1/events?limit=0", [:], "", 400, "invalid_argument"),
            ("GET", "/v1/events?from=abc", [:], "", 400, "invalid_argument"),
            ("GET", "/v1/customers/x?asOf=yesterday", [:], "", 400, "invalid_argument"),
            ("GET", "/v1/customers/x?minPosition=99", [:], "", 400, "invalid_argument"),
            ("GET", "/v1/no/such/route", [:], "", 404, "not_found"),
            ("PUT", "/v1/model", [:], #"{"name":"x"}"#, 400, "invalid_model"),
        ]
        for (method, path, headers, body, status, type) in cases {
            let r = body.isEmpty ? try await c.request(method, path, headers: headers) : try await c.request(method, path, headers: headers.isEmpty ? ["Content-Type": "application/json"] : headers, body: Data(body.utf8))
            #expect(r.status == status, "\(method) \(path) \(body): \(r.status) \(r.text)")
            #expect(r.headers["content-type"] == "application/problem+json", "\(method) \(path)")
            #expect(r.object["type"] as? String == type, "\(method) \(path): \(r.text)")
            #expect((r.object["detail"] as? String)?.isEmpty == false)
        }
        // The NDJSON problem names the line; the array problem the index.
        let nd = try await c.request("POST", "/v1/events", headers: ["Content-Type": "application/x-ndjson"], body: Data("{\"customerId\":\"a\",\"type\":\"t\"}\n{\"customerId\":\"a\",\"type\":\"t\",\"sentiment\":2}\n".utf8))
        #expect(nd.object["line"] as? Int == 2 && nd.object["field"] as? String == "sentiment")
        let arr = try await c.request("POST", "/v1/events", json: #"[{"customerId":"a","type":"t"},{"customerId":"","type":"t"}]"#)
        #expect(arr.object["index"] as? Int == 1 && arr.object["field"] as? String == "customerId")
        // Too large: the body, and one event.
        let big = Data(repeating: 0x20, count: 300_000)
        let tooBig = try await c.request("POST", "/v1/events", headers: ["Content-Type": "application/json"], body: big)
        #expect(tooBig.status == 413 && tooBig.object["type"] as? String == "payload_too_large")
        let huge = #"{"customerId":"a","type":"t","properties":{"x":""# + String(repeating: "y", count: 70_000) + #""}}"#
        let event = try await c.request("POST", "/v1/events", json: huge)
        #expect(event.status == 400 && event.object["field"] as? String == "event")
        // Nothing of any of it was written.
        #expect(try await c.request("GET", "/v1/stats").object["events"] as? Int == 0)
        try await f.stop()
    }

    @Test func oversizedHeadersAreRefused() async throws {
        let f = try await ServerFixture { $0.maxHeaderBytes = 2048 }
        let r = try? await f.client.request("GET", "/healthz", headers: ["X-Padding": String(repeating: "p", count: 8000)])
        #expect(r == nil || r!.status >= 400)
        #expect(try await f.client.request("GET", "/healthz").status == 200)
        try await f.stop()
    }
}
