import Foundation
import JourneyJSON
@testable import JourneyPipelines
import JourneyStore
import JourneyTestSupport
import Testing

/// The documented examples of both specs map as the files say; the mapping rules one by one;
/// bad messages are refused naming the message and the field.
@Suite struct MapperTests {
    static let now = Timestamp(rfc3339: "2026-12-01T12:00:00Z")!

    /// An event as a JSON value, to compare with an expectation written as JSON.
    static func shape(_ e: NewEvent) -> JSONValue {
        var o: [String: JSONValue] = ["type": .string(e.type)]
        if let v = e.id { o["id"] = .string(v) }
        if let v = e.customerId { o["customerId"] = .string(v) }
        if let v = e.anonymousId { o["anonymousId"] = .string(v) }
        if let v = e.occurredAt { o["occurredAt"] = .string(v.rfc3339) }
        if let v = e.touchpoint { o["touchpoint"] = .string(v) }
        if let v = e.channel { o["channel"] = .string(v) }
        if let v = e.sentiment { o["sentiment"] = .number(v) }
        if let v = e.properties { o["properties"] = JSONValue.parse(v.bytes)! }
        return .object(o)
    }

    static func examples(_ file: String) throws -> [JSONValue] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.file("Schemas/examples/\(file)")))
        guard case .object(let o)? = JSONValue.parse(Array(data)), case .array(let a)? = o["examples"] else { throw HTTPTestClient.Failure(description: "no examples in \(file)") }
        return a
    }

    static func segment(_ json: String, call: String? = nil, mapping: PipelineMapping.Segment = .init()) throws(StoreError) -> NewEvent {
        let bytes = Array(json.utf8)
        let r: Result<NewEvent, StoreError> = bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) in try SegmentMapper(mapping: mapping).event(raw, call: call, receivedAt: now) }
        }
        return try r.get()
    }

    static func cloudEvent(_ json: String, mapping: PipelineMapping.CloudEvents = .init()) throws(StoreError) -> NewEvent {
        let bytes = Array(json.utf8)
        let r: Result<NewEvent, StoreError> = bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) in try CloudEventMapper(mapping: mapping).event(raw, receivedAt: now) }
        }
        return try r.get()
    }

    @Test func segmentsDocumentedExamples() throws {
        let examples = try Self.examples("segment-examples.json")
        #expect(examples.count == 6)
        for case .object(let x) in examples {
            let message = x["message"]!.jsonText
            let event = try Self.segment(message)
            #expect(Self.shape(event) == x["event"]!, "\(message)")
        }
        // Key order in properties is kept as sent, lifted fields left out.
        let e = try Self.segment(#"{"type":"track","event":"Order Completed","userId":"u","properties":{"z":1,"touchpoint":"cart","a":2,"sentiment":0.5,"channel":"email"}}"#)
        #expect(e.properties?.description == #"{"z":1,"a":2}"#)
        #expect(e.touchpoint == "cart" && e.channel == "email" && e.sentiment == 0.5 && e.type == "order_completed")
    }

    @Test func cloudEventsSpecExamples() throws {
        let examples = try Self.examples("cloudevents-examples.json")
        for case .object(let x) in examples {
            let text = x["cloudevent"]!.jsonText
            if case .string(let field)? = x["refused"] {
                do {
                    _ = try Self.cloudEvent(text)
                    Issue.record("expected \(text) to be refused")
                } catch {
                    #expect(error.field == field && error.message.contains("anonymousid"), "\(error)")
                }
            } else {
                #expect(Self.shape(try Self.cloudEvent(text)) == x["event"]!, "\(text)")
            }
        }
    }

    @Test func segmentTimesAndClockSkew() throws {
        // No timestamp: receivedAt − (sentAt − originalTimestamp): the device clock is 1 h fast.
        var e = try Self.segment(#"{"type":"track","event":"x","userId":"u","originalTimestamp":"2026-12-01T13:00:00Z","sentAt":"2026-12-01T13:00:05Z","receivedAt":"2026-12-01T12:00:06Z"}"#)
        #expect(e.occurredAt?.rfc3339 == "2026-12-01T12:00:01.000Z")
        // Without receivedAt in the message, the time the store got it.
        e = try Self.segment(#"{"type":"track","event":"x","userId":"u","originalTimestamp":"2026-12-01T12:59:59Z","sentAt":"2026-12-01T13:00:00Z"}"#)
        #expect(e.occurredAt?.rfc3339 == "2026-12-01T11:59:59.000Z")
        e = try Self.segment(#"{"type":"track","event":"x","userId":"u","originalTimestamp":"2026-12-01T10:00:00+01:00"}"#)
        #expect(e.occurredAt?.rfc3339 == "2026-12-01T09:00:00.000Z")
        e = try Self.segment(#"{"type":"track","event":"x","userId":"u"}"#)
        #expect(e.occurredAt == Self.now)
        // Python's isoformat with microseconds.
        e = try Self.segment(#"{"type":"track","event":"x","userId":"u","timestamp":"2026-12-01T20:41:53.586123+00:00"}"#)
        #expect(e.occurredAt?.rfc3339 == "2026-12-01T20:41:53.586Z")
    }

    @Test func segmentCallsAndMapping() throws {
        #expect(SnakeCase.of("Order Completed") == "order_completed")
        #expect(SnakeCase.of("orderCompleted") == "order_completed")
        #expect(SnakeCase.of("Signed-Up!") == "signed_up")
        #expect(SnakeCase.of("  Viewed  Product  ") == "viewed_product")
        #expect(SnakeCase.of("already_snake") == "already_snake")
        #expect(SnakeCase.of("Café Visité") == "café_visité")
        #expect(SnakeCase.of("!!!") == "!!!")
        // Single calls take their type from the path.
        var e = try Self.segment(#"{"userId":"u","event":"Product Viewed","properties":{"channel":"web"},"context":{"campaign":{"medium":"email","name":"spring"}}}"#, call: "track")
        #expect(e.type == "product_viewed" && e.channel == "web" && e.properties?.description == #"{"campaign":{"medium":"email","name":"spring"}}"#)
        e = try Self.segment(#"{"userId":"u","event":"x","context":{"campaign":{"medium":"email"},"channel":"server"}}"#, call: "track")
        #expect(e.channel == "email")
        e = try Self.segment(#"{"userId":"u","event":"x","context":{"channel":"server"}}"#, call: "track")
        #expect(e.channel == "server")
        e = try Self.segment(#"{"anonymousId":"v","name":"Pricing","properties":{"path":"/pricing","title":"Pricing"}}"#, call: "page")
        #expect(e.type == "page_view" && e.touchpoint == "/pricing" && e.customerId == nil && e.anonymousId == "v")
        e = try Self.segment(#"{"userId":42,"traits":{"plan":"smb","region":"emea"}}"#, call: "identify")
        #expect(e.customerId == "42" && e.type == "identify" && e.properties?.description == #"{"plan":"smb","region":"emea"}"#)
        // A mapping file renames types and chooses the fields.
        let mapping = try PipelineMapping.parse(Array(#"""
            {"segment": {"types": {"order_completed": "purchase", "page_view": "visit"}, "touchpoint": ["properties.screen"],
                         "channel": ["context.source"], "properties": {"locale": "context.locale"}}}
            """#.utf8))
        e = try Self.segment(#"{"type":"track","event":"Order Completed","userId":"u","properties":{"screen":"cart","touchpoint":"kept"},"context":{"source":"ios","locale":"de-DE","campaign":{"x":1}}}"#, mapping: mapping.segment)
        #expect(e.type == "purchase" && e.touchpoint == "cart" && e.channel == "ios")
        #expect(e.properties?.description == #"{"touchpoint":"kept","locale":"de-DE"}"#)
        e = try Self.segment(#"{"type":"page","userId":"u","name":"Home"}"#, mapping: mapping.segment)
        #expect(e.type == "visit")
        let file = try PipelineMapping.load(file: Repository.file("Schemas/examples/pipeline-mapping.json"))
        #expect(file.segment.types["order_completed"] == "purchase")
    }

    @Test(arguments: [
        (#"{"type":"track","event":"x"}"#, "userId"),
        (#"{"type":"track","userId":"u"}"#, "event"),
        (#"{"type":"fly","userId":"u"}"#, "type"),
        (#"{"userId":"u"}"#, "type"),
        (#"{"type":"alias","userId":"u"}"#, "previousId"),
        (#"{"type":"alias","previousId":"p"}"#, "userId"),
        (#"{"type":"group","userId":"u"}"#, "groupId"),
        (#"{"type":"track","event":"x","userId":"u","timestamp":"yesterday"}"#, "timestamp"),
        (#"{"type":"track","event":"x","userId":"u","properties":{"sentiment":3}}"#, "properties.sentiment"),
        (#"{"type":"track","event":"x","userId":"u","properties":{"touchpoint":7}}"#, "properties.touchpoint"),
        (#"{"type":"track","event":"x","userId":"u","properties":[1]}"#, "properties"),
        (#"{"type":"track","event":"x","userId":{"a":1}}"#, "userId"),
        (#"{"type":"track","event":"x","userId":"tab\there"}"#, "userId"),
        (#"{"type":"track","event":"x","userId":"u","messageId":"\#(String(repeating: "m", count: 129))"}"#, "messageId"),
        (#"{"type":"track","event":"x","userId":"u","userId":"v"}"#, "message"),
        (#"{"type":"track","event":"x""#, "message"),
    ])
    func segmentRefusesNamingTheField(message: String, field: String) {
        do {
            let e = try Self.segment(message)
            Issue.record("accepted \(message) as \(e)")
        } catch {
            #expect(error.code == .invalidEvent && error.field == field, "\(message): \(error)")
        }
    }

    @Test func segmentBatchLimitsAndIndex() throws {
        func batch(_ text: String) throws(StoreError) -> [NewEvent] {
            let bytes = Array(text.utf8)
            let r: Result<[NewEvent], StoreError> = bytes.withUnsafeBytes { raw in
                Result { () throws(StoreError) in try SegmentMapper().events(batch: raw, receivedAt: Self.now) }
            }
            return try r.get()
        }
        let two = try batch(#"{"batch":[{"type":"track","event":"A","userId":"u"},{"type":"identify","userId":"u","traits":{}}],"sentAt":"2026-12-01T12:00:00Z"}"#)
        #expect(two.map(\.type) == ["a", "identify"])
        do {
            _ = try batch(#"{"batch":[{"type":"track","event":"A","userId":"u"},{"type":"track","userId":"u"}]}"#)
            Issue.record("a bad message passed")
        } catch {
            #expect(error.index == 1 && error.field == "event" && error.message.contains("batch[1]"), "\(error)")
        }
        let big = String(repeating: "x", count: 33_000)
        do {
            _ = try batch(#"{"batch":[{"type":"track","event":"A","userId":"u","properties":{"p":"\#(big)"}}]}"#)
            Issue.record("an oversize message passed")
        } catch {
            #expect(error.index == 0 && error.message.contains("32768"), "\(error)")
        }
        let many = (0..<20).map { _ in #"{"type":"track","event":"A","userId":"u","properties":{"p":"\#(String(repeating: "y", count: 30_000))"}}"# }.joined(separator: ",")
        do {
            _ = try batch(#"{"batch":[\#(many)]}"#)
            Issue.record("an oversize batch passed")
        } catch {
            #expect(error.field == "batch" && error.message.contains("512000"), "\(error)")
        }
        for bad in [#"{"batch":{}}"#, #"{"messages":[]}"#, #"{"batch":[]}"#, #"{"batch":[1]}"#, "[]"] {
            #expect(throws: StoreError.self, "\(bad)") { try batch(bad) }
        }
    }

    @Test(arguments: [
        (#"{"specversion":"0.3","id":"1","source":"/s","type":"t","subject":"c"}"#, "specversion"),
        (#"{"id":"1","source":"/s","type":"t","subject":"c"}"#, "specversion"),
        (#"{"specversion":"1.0","source":"/s","type":"t","subject":"c"}"#, "id"),
        (#"{"specversion":"1.0","id":"1","type":"t","subject":"c"}"#, "source"),
        (#"{"specversion":"1.0","id":"1","source":"/s","subject":"c"}"#, "type"),
        (#"{"specversion":"1.0","id":"1","source":"/s","type":"t"}"#, "subject"),
        (#"{"specversion":"1.0","id":"1","source":"/s","type":"t","subject":"c","time":"soon"}"#, "time"),
        (#"{"specversion":"1.0","id":"1","source":"/s","type":"t","subject":"c","data":{"sentiment":"happy"}}"#, "data.sentiment"),
        (#"{"specversion":"1.0","id":"1","source":"/s","type":"t","subject":"c","data":{"properties":[]}}"#, "data.properties"),
    ])
    func cloudEventsRefusedNamingTheField(event: String, field: String) {
        do {
            let e = try Self.cloudEvent(event)
            Issue.record("accepted \(event) as \(e)")
        } catch {
            #expect(error.code == .invalidEvent && error.field == field, "\(event): \(error)")
        }
    }

    @Test func cloudEventsIdsBatchesAndBinaryMode() throws {
        let long = String(repeating: "s", count: 200)
        let key = CloudEventMapper.idempotencyKey(source: long, id: "1")
        #expect(key.hasPrefix("ce-sha256:") && key.count == 74)
        #expect(CloudEventMapper.idempotencyKey(source: "a b", id: "c") != CloudEventMapper.idempotencyKey(source: "a", id: "b c"))
        let text = #"[{"specversion":"1.0","id":"1","source":"/s","type":"com.x.Signed Up","subject":"c"},{"specversion":"1.0","id":"2","source":"/s","type":"t"}]"#
        let bytes = Array(text.utf8)
        let r: Result<[NewEvent], StoreError> = bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) in try CloudEventMapper().events(batch: raw, receivedAt: Self.now) }
        }
        #expect(throws: StoreError.self) { try r.get() }
        if case .failure(let e) = r { #expect(e.index == 1 && e.field == "subject") }
        // Binary mode: attributes in ce- headers, data in the body.
        let body = Array(#"{"touchpoint":"app","properties":{"k":"v"}}"#.utf8)
        let headers = [("ce-specversion", "1.0"), ("CE-ID", "b-1"), ("ce-source", "/svc"), ("ce-type", "com.example.first_login"),
                       ("ce-subject", "caf%C3%A9"), ("ce-time", "2026-01-01T00:00:00Z"), ("content-length", "9")]
        let binary: Result<NewEvent, StoreError> = body.withUnsafeBytes { raw in
            Result { () throws(StoreError) in
                try CloudEventMapper().event(headers: headers.map { (name: $0.0, value: $0.1) }, contentType: "application/json; charset=utf-8", body: raw, receivedAt: Self.now)
            }
        }
        let e = try binary.get()
        #expect(e.customerId == "café" && e.type == "first_login" && e.touchpoint == "app" && e.properties?.description == #"{"k":"v"}"#)
        #expect(e.id == "/svc b-1")
        let plain = Array("hello".utf8)
        let textual: Result<NewEvent, StoreError> = plain.withUnsafeBytes { raw in
            Result { () throws(StoreError) in
                try CloudEventMapper().event(headers: headers.map { (name: $0.0, value: $0.1) }, contentType: "text/plain", body: raw, receivedAt: Self.now)
            }
        }
        #expect(try textual.get().properties?.description == #"{"data":"hello"}"#)
    }

    @Test func mappingFilesAreChecked() {
        for (text, path) in [(#"{"segment":{"typos":{}}}"#, "segment.typos"), (#"{"segment":{"touchpoint":"a.b"}}"#, "segment.touchpoint"),
                             (#"{"segment":{"touchpoint":["a..b"]}}"#, "segment.touchpoint[0]"), (#"{"cloudevents":{"types":{"a":""}}}"#, "cloudevents.types.a"),
                             (#"{"kafka":{}}"#, "$.kafka")] {
            do {
                _ = try PipelineMapping.parse(Array(text.utf8))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.field == path && error.code == .invalidArgument, "\(text): \(error)")
            }
        }
    }
}
