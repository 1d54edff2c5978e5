import Foundation
import JourneyStore
import JourneyTestSupport
import Testing

/// Code and schema must agree: every sample in Schemas/examples/event-samples.json gets the same
/// verdict from the Swift parser and from Schemas/event.schema.json (python jsonschema).
@Suite struct EventSchemaTests {
    struct Samples: Decodable {
        struct Rejected: Decodable {
            var field: String
            var event: JSONAny
        }
        var accepted: [JSONAny]
        var rejected: [Rejected]
    }

    /// Any JSON value, re-encoded as text for the parser.
    struct JSONAny: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer().decode(AnyCodable.self)
            let data = try JSONSerialization.data(withJSONObject: value.value, options: [.fragmentsAllowed])
            text = String(decoding: data, as: UTF8.self)
        }
    }

    struct AnyCodable: Decodable {
        var value: Any
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { value = NSNull() }
            else if let b = try? c.decode(Bool.self) { value = b }
            else if let i = try? c.decode(Int.self) { value = i }
            else if let d = try? c.decode(Double.self) { value = d }
            else if let s = try? c.decode(String.self) { value = s }
            else if let a = try? c.decode([AnyCodable].self) { value = a.map(\.value) }
            else { value = try c.decode([String: AnyCodable].self).mapValues(\.value) }
        }
    }

    func samples() throws -> Samples {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.file("Schemas/examples/event-samples.json")))
        return try JSONDecoder().decode(Samples.self, from: data)
    }

    @Test func parserAcceptsTheAcceptedSamples() throws {
        let s = try samples()
        #expect(s.accepted.count > 10)
        for sample in s.accepted {
            #expect(throws: Never.self, "\(sample.text)") { try EventParser().parse(sample.text) }
        }
    }

    @Test func parserRejectsTheRejectedSamplesNamingTheField() throws {
        let s = try samples()
        #expect(s.rejected.count > 20)
        for sample in s.rejected {
            do {
                _ = try EventParser().parse(sample.event.text)
                Issue.record("accepted \(sample.event.text)")
            } catch {
                #expect(error.code == .invalidEvent)
                #expect(error.field == sample.field, "\(sample.event.text): \(error.message)")
            }
        }
    }

    @Test func schemaAgreesWithEverySample() throws {
        let result = try ProcessRunner.run(
            "/usr/bin/env", ["python3", Repository.file("Tests/JourneyStoreTests/Support/check_event_schema.py"), Repository.root])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("0 disagree"))
    }
}
