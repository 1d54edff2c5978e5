import Foundation
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Testing

/// The HTTP edges a hostile tester found: ids that need percent-encoding, bodies that are too
/// large or cut short, and tokens kept out of the command line.
@Suite struct EdgeTests {
    /// RFC 3986 unreserved ASCII stays; every other byte is %XX.
    static func encode(_ s: String) -> String {
        s.utf8.map { b -> String in
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E: String(UnicodeScalar(b))
            default: String(format: "%%%02X", b)
            }
        }.joined()
    }

    static let awkwardIds = ["a b", "café", "p/q", "x%41y", "100%", "?&#"]

    @Test func everyRouteTakingAnIdDecodesItOnce() async throws {
        let f = try await ServerFixture()
        let c = f.client
        for id in Self.awkwardIds {
            let path = "/v1/customers/\(Self.encode(id))"
            let body = #"{"events":[{"type":"ad_click","occurredAt":"2026-01-01T00:00:00Z","properties":{"k":1}}]}"#
            let appended = try await c.request("POST", path + "/events", json: body)
            #expect(appended.status == 200, "\(id): \(appended.text)")
            let events = appended.object["events"] as? [[String: Any]]
            #expect(events?.first?["customerId"] as? String == id)
            let position = events?.first?["position"] as? Int ?? 0
            let again = try await c.request("POST", path + "/events", json: #"{"expectedVersion":1,"events":[{"type":"purchase","occurredAt":"2026-01-02T00:00:00Z"}]}"#)
            #expect(again.status == 200, "\(id) with expected version: \(again.text)")

            let state = try await c.request("GET", path + "?minPosition=\(position + 1)")
            #expect(state.status == 200 && state.object["customerId"] as? String == id && state.object["stage"] as? String == "decision", "\(id): \(state.text)")
            let past = try await c.request("GET", path + "?asOf=2026-01-01T12:00:00Z")
            #expect(past.status == 200 && past.object["stage"] as? String == "awareness", "\(id): \(past.text)")
            let stream = try await c.request("GET", path + "/events")
            #expect(stream.status == 200 && (stream.object["events"] as? [[String: Any]])?.count == 2, "\(id): \(stream.text)")
            let journey = try await c.request("GET", path + "/journey")
            #expect(journey.status == 200 && journey.object["customerId"] as? String == id, "\(id): \(journey.text)")
            let erased = try await c.request("DELETE", path + "?reason=test")
            #expect(erased.status == 200 && erased.object["customerId"] as? String == id, "\(id): \(erased.text)")
        }
        let bad = try await c.request("GET", "/v1/customers/a%ZZb")
        #expect(bad.status == 400 && (bad.object["detail"] as? String)?.contains("percent-encoding") == true, "\(bad.text)")
        let unknown = try await c.request("GET", "/v1/customers/\(Self.encode("no body"))")
        #expect(unknown.status == 404 && (unknown.object["detail"] as? String)?.contains("no body") == true, "\(unknown.text)")
    }

    /// Media types and content codings are case-insensitive tokens with optional white space
    /// around them (RFC 9110); parameters after `;` do not change the type.
    @Test func contentTypeAndEncodingAreReadAsTokens() async throws {
        let f = try await ServerFixture()
        let c = f.client
        let lines = #"{"customerId":"t1","type":"ad_click"}"# + "\n" + #"{"customerId":"t2","type":"ad_click"}"# + "\n"
        let ndjson = try await c.request("POST", "/v1/events", headers: ["Content-Type": "  Application/X-NDJSON ; charset=utf-8"], body: Data(lines.utf8))
        #expect(ndjson.status == 200 && (ndjson.object["events"] as? [[String: Any]])?.count == 2, "\(ndjson.text)")
        let zipped = try await c.request("POST", "/v1/events", headers: ["Content-Type": "APPLICATION/JSON", "Content-Encoding": " GZip "],
                                         body: try PipelineAPITests.gzip(#"{"customerId":"t3","type":"ad_click"}"#))
        #expect(zipped.status == 200, "\(zipped.text)")
        let wrongType = try await c.request("POST", "/v1/events", headers: ["Content-Type": "Text/Plain"], body: Data("x".utf8))
        #expect(wrongType.status == 415 && (wrongType.object["detail"] as? String)?.contains("text/plain") == true, "\(wrongType.text)")
        let wrongCoding = try await c.request("POST", "/v1/events", headers: ["Content-Type": "application/json", "Content-Encoding": " BR "], body: Data("x".utf8))
        #expect(wrongCoding.status == 415 && (wrongCoding.object["detail"] as? String)?.contains("got br") == true, "\(wrongCoding.text)")
    }

    @Test func oversizeAndTruncatedBodiesAreClientErrorsAndCloseTheConnection() async throws {
        let f = try await ServerFixture { $0.maxBodyBytes = 64 << 10 }
        let c = f.client
        // Chunked, past the limit: 413, not 500, and the connection is closed.
        var chunked = Data("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        let line = Data((#"{"customerId":"big","type":"t"}"# + "\n").utf8)
        var piece = Data()
        while piece.count < 8192 { piece.append(line) }
        for _ in 0..<12 {
            chunked.append(Data(String(piece.count, radix: 16).utf8) + Data("\r\n".utf8) + piece + Data("\r\n".utf8))
        }
        chunked.append(Data("0\r\n\r\n".utf8))
        let big = try await c.raw(chunked, readTimeout: 30)
        #expect(big.status == 413 && big.text.contains("payload_too_large") && big.text.contains("65536"), "closed \(big.closed): \(big.text)")
        #expect(big.text.lowercased().contains("connection: close") && big.closed)

        // Shorter than its Content-Length, then the client stops sending: 400, not 500.
        let short = try await c.raw(Data("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"customerId\":\"s\"".utf8), shutdownWrite: true, readTimeout: 30)
        #expect(short.status == 400 && short.text.contains("incomplete"), "\(short.text)")
        // The same for NDJSON, which is parsed as it arrives (a whole first line included).
        let shortLines = try await c.raw(Data("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 200\r\n\r\n{\"customerId\":\"s\",\"type\":\"t\"}\n{\"customerId\"".utf8), shutdownWrite: true, readTimeout: 30)
        #expect(shortLines.status == 400 && shortLines.text.contains("incomplete"), "\(shortLines.text)")

        // Announced too large: answered at once and closed, without waiting for the body.
        let started = ContinuousClock.now
        let early = try await c.raw(Data("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n{".utf8), readTimeout: 10)
        #expect(early.status == 413 && early.closed, "\(early.text)")
        #expect(ContinuousClock.now - started < .seconds(8))

        // Nothing was written, and the server still answers.
        let head = try await c.request("GET", "/v1/stats")
        #expect(head.status == 200 && head.object["headPosition"] as? Int == 0, "\(head.text)")
    }

    @Test func tokensComeFromAPrivateFile() async throws {
        let dir = TemporaryDirectory("tokens")
        let file = dir.appending("tokens")
        try "# ops team\nops:admin:0123456789abcdef0123\n\nreader:read:fedcba9876543210fedc\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let tokens = try ServerConfiguration.tokens(file: file)
        #expect(tokens.map(\.name) == ["ops", "reader"] && tokens.map(\.scope) == [.admin, .read])
        var c = ServerConfiguration()
        try c.apply(environment: ["JOURNEY_TOKENS_FILE": file])
        #expect(c.tokens == tokens)

        let f = try await ServerFixture { $0.tokens = tokens }
        #expect(try await f.client.request("GET", "/v1/funnel").status == 401)
        #expect(try await f.client.request("GET", "/v1/funnel", headers: ["Authorization": "Bearer fedcba9876543210fedc"]).status == 200)

        chmod(file, 0o644)
        let open = #expect(throws: ConfigurationError.self) { try ServerConfiguration.tokens(file: file) }
        #expect(open?.message.contains("read by any user") == true)
        chmod(file, 0o602)
        let writable = #expect(throws: ConfigurationError.self) { try ServerConfiguration.tokens(file: file) }
        #expect(writable?.message.contains("changed by any user") == true)
        chmod(file, 0o600)
        try "ops:root:0123456789abcdef0123\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let wrong = #expect(throws: ConfigurationError.self) { try ServerConfiguration.tokens(file: file) }
        #expect(wrong?.message.contains("line 1") == true)
    }
}
