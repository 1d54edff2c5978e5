import Foundation
import JourneyStore
import Testing

@Suite struct EventParserTests {
    let parser = EventParser()

    func error(_ text: String) -> StoreError? {
        do {
            _ = try parser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesAFullEvent() throws {
        let e = try parser.parse("""
            {"id":"e1","customerId":"c1","type":"purchase","occurredAt":"2026-01-02T03:04:05.5+01:00",
             "touchpoint":"checkout_page","channel":"web","sentiment":-0.25,
             "properties": {"orderValue": 12.50, "tags": ["a", "b"], "nested": {"x": null}}}
            """)
        #expect(e.id == "e1")
        #expect(e.customerId == "c1")
        #expect(e.type == "purchase")
        #expect(e.occurredAt?.rfc3339 == "2026-01-02T02:04:05.500Z")
        #expect(e.touchpoint == "checkout_page")
        #expect(e.channel == "web")
        #expect(e.sentiment == -0.25)
        // Properties keep their keys, order and number spelling; only white space goes.
        #expect(e.properties?.description == #"{"orderValue":12.50,"tags":["a","b"],"nested":{"x":null}}"#)
    }

    @Test func decodesEscapes() throws {
        let e = try parser.parse(#"{"customerId":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/","type":"t\tx"}"#)
        #expect(e.customerId == "café 😀 \"q\" \\ /")
        // A tab in `type` is allowed (only customerId forbids control characters).
        #expect(e.type == "t\tx")
    }

    @Test(arguments: [
        (#"{"customerId":"c1","type":"t""#, "malformed JSON"),
        (#"{"customerId":"c1" "type":"t"}"#, "expected"),
        (#"["customerId"]"#, "expected a JSON object"),
        (#"{"customerId":"c1","type":"t"} trailing"#, "end of input"),
        (#"{"customerId":"c1","type":"t","type":"u"}"#, "more than once"),
        (#"{"customerId":"c1","type":"t","extra":1}"#, "unknown field"),
        (#"{"customerId":"c1","type":"t","sentiment":1e400}"#, "sentiment"),
        (#"{"customerId":"c1","type":"t","sentiment":01}"#, "malformed JSON"),
        (#"{"customerId":"c1","type":"t","properties":{"a":}}"#, "properties"),
        (#"{"customerId":"bad\ud800","type":"t"}"#, "surrogate"),
    ])
    func rejectsMalformedInput(text: String, mentions: String) {
        let e = error(text)
        #expect(e?.code == .invalidEvent)
        #expect(e?.message.contains(mentions) == true, "\(e?.message ?? "accepted") should mention \(mentions)")
    }

    @Test func namesFieldExpectedAndActual() {
        let e = error(#"{"customerId":"c1","type":"t","sentiment":1.5}"#)
        #expect(e?.field == "sentiment")
        #expect(e?.message == "sentiment: expected a number in -1…1, got 1.5")
        let t = error(#"{"customerId":"c1","type":"t","occurredAt":"2026-02-30T00:00:00Z"}"#)
        #expect(t?.field == "occurredAt")
        #expect(t?.message.contains("2026-02-30T00:00:00Z") == true)
        let p = error(#"{"customerId":"c1","type":"t","properties":[1]}"#)
        #expect(p?.field == "properties")
        #expect(p?.message.contains("expected an object, got an array") == true)
        let m = error(#"{"type":"t"}"#)
        #expect(m?.field == "customerId")
        #expect(m?.message.contains("missing") == true)
        let empty = error(#"{"customerId":"","type":"t"}"#)
        #expect(empty?.field == "customerId")
    }

    @Test func rejectsInvalidUTF8() {
        var bytes = Array(#"{"customerId":"c"#.utf8)
        bytes += [0xC3, 0x28]  // invalid continuation
        bytes += Array(#"","type":"t"}"#.utf8)
        let result = bytes.withUnsafeBytes { raw in Result { () throws(StoreError) in try parser.parse(raw) } }
        guard case .failure(let e) = result else { Issue.record("accepted invalid UTF-8"); return }
        #expect(e.message.contains("invalid UTF-8"))
        // Overlong encodings and encoded surrogates are invalid too.
        for bad: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF]] {
            let text = Array(#"{"customerId":"c","type":""#.utf8) + bad + Array(#""}"#.utf8)
            let r = text.withUnsafeBytes { raw in Result { () throws(StoreError) in try parser.parse(raw) } }
            if case .success = r { Issue.record("accepted \(bad)") }
        }
    }

    @Test func rejectsOversizedEvents() {
        let big = String(repeating: "x", count: 70_000)
        let e = error(#"{"customerId":"c1","type":"t","properties":{"blob":"\#(big)"}}"#)
        #expect(e?.field == "event")
        #expect(e?.message.contains("65536") == true)
        var small = EventLimits()
        small.maxEventBytes = 100
        #expect(throws: StoreError.self) {
            try EventParser(limits: small).parse(#"{"customerId":"c1","type":"t","properties":{"k":"0123456789012345678901234567890123456789012345678901234567890123456789"}}"#)
        }
    }

    @Test func rejectsDeeplyNestedProperties() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let e = error(#"{"customerId":"c1","type":"t","properties":{"a":\#(deep)}}"#)
        #expect(e?.field == "properties")
        #expect(e?.message.contains("nesting") == true)
    }

    @Test func parsesBatches() throws {
        let events = try Array(#"[{"customerId":"a","type":"t"}, {"customerId":"b","type":"u"}]"#.utf8).withUnsafeBytes {
            try parser.parseBatch($0)
        }
        #expect(events.map(\.customerId) == ["a", "b"])
        let failure = Array(#"[{"customerId":"a","type":"t"},{"customerId":"b"}]"#.utf8).withUnsafeBytes { raw in
            Result { () throws(StoreError) in try parser.parseBatch(raw) }
        }
        guard case .failure(let e) = failure else { Issue.record("accepted"); return }
        #expect(e.index == 1)
        #expect(e.field == "type")
    }

    @Test func storeAssignedFieldsAreAcceptedAndIgnored() throws {
        let e = try parser.parse(#"{"position":5,"version":2,"recordedAt":"2026-01-01T00:00:00.000Z","customerId":"c","type":"t"}"#)
        #expect(e == NewEvent(customerId: "c", type: "t"))
    }

    /// NDJSON fed in pieces cut anywhere (inside a line, a `\r\n`, the byte-order mark) parses as
    /// the whole body does, and an error names the same line and index.
    @Test func ndjsonInPiecesParsesAsAWhole() throws {
        let body = Array("\u{FEFF}{\"customerId\":\"a\",\"type\":\"t\"}\r\n\n   \n{\"customerId\":\"b\",\"type\":\"u\",\"properties\":{\"k\":\"\u{e9}\"}}\n{\"customerId\":\"c\",\"type\":\"v\"}".utf8)
        let parser = EventParser()
        let whole = try body.withUnsafeBytes { try parser.parseNDJSON($0) }
        #expect(whole.map(\.customerId) == ["a", "b", "c"])
        for cut in 0...body.count {
            for second in [cut, min(body.count, cut + 1), min(body.count, cut + 7)] {
                var stream = NDJSONStreamParser(parser: parser)
                try body[0..<cut].withUnsafeBytes { try stream.feed($0) }
                try body[cut..<second].withUnsafeBytes { try stream.feed($0) }
                try body[second...].withUnsafeBytes { try stream.feed($0) }
                let events = try stream.finish()
                #expect(events.map(\.customerId) == whole.map(\.customerId) && events.map(\.type) == whole.map(\.type), "cut at \(cut), \(second)")
                #expect(events.map { $0.properties?.description } == whole.map { $0.properties?.description })
            }
        }
        let bad = Array("{\"customerId\":\"a\",\"type\":\"t\"}\n\n{\"customerId\":\"a\",\"type\":\"t\",\"sentiment\":2}\n".utf8)
        for cut in 0...bad.count {
            var stream = NDJSONStreamParser(parser: parser)
            do {
                try bad[0..<cut].withUnsafeBytes { try stream.feed($0) }
                try bad[cut...].withUnsafeBytes { try stream.feed($0) }
                _ = try stream.finish()
                Issue.record("cut at \(cut): no error")
            } catch let error as StoreError {
                #expect(error.line == 3 && error.index == 1 && error.field == "sentiment", "cut at \(cut): \(error)")
            } catch {
                Issue.record("cut at \(cut): \(error)")
            }
        }
    }
}
