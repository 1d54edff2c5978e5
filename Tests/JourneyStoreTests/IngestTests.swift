import Foundation
import JourneyStore
import JourneyTestSupport
import Testing

@Suite struct IngestTests {
    func ingest(_ text: String, into f: StoreFixture, _ configure: (inout IngestOptions) -> Void = { _ in }) async throws
        -> (IngestSummary, [IngestRejection]) {
        let file = f.directory.appending("input-\(UUID().uuidString).ndjson")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let fd = open(file, O_RDONLY)
        defer { close(fd) }
        var options = IngestOptions()
        configure(&options)
        nonisolated(unsafe) var rejections: [IngestRejection] = []
        let summary = try await NDJSONIngester(log: f.store, options: options).ingest(fileDescriptor: fd) { e in
            if case .rejected(let r) = e { rejections.append(r) }
        }
        return (summary, rejections)
    }

    @Test func ingestsTheSampleDataset() async throws {
        let f = try StoreFixture()
        let text = try String(contentsOfFile: Repository.file("Schemas/examples/sample-events.ndjson"), encoding: .utf8)
        let (s, rejections) = try await ingest(text, into: f) { $0.batchSize = 700 }
        #expect(rejections.isEmpty)
        #expect(s.written == 4000 && s.duplicates == 0 && s.rejected == 0 && s.lines == 4000)
        #expect(try f.store.headPosition() == 4000)
        // File order is log order.
        let firstLine = try EventParser().parse(String(text.prefix(while: { $0 != "\n" })))
        #expect(try f.store.readLog(limit: 1)[0].id == firstLine.id)
        // Ingesting again writes nothing new.
        let (again, _) = try await ingest(text, into: f)
        #expect(again.written == 0 && again.duplicates == 4000)
        #expect(try f.store.verify().isValid)
    }

    @Test func reportsEachBadLineAndWritesTheRest() async throws {
        let f = try StoreFixture()
        let text = """
            {"customerId":"a","type":"t"}
            {"customerId":"a","type":"t","sentiment":2}

            not json
            {"customerId":"b","type":"t"}\r
            {"type":"t"}
            {"customerId":"c","type":"t","id":"same"}
            {"customerId":"c","type":"other","id":"same"}
            """
        let (s, rejections) = try await ingest(text, into: f) { $0.batchSize = 3 }
        #expect(s.written == 3)
        #expect(s.rejected == 4)
        #expect(rejections.map(\.line).sorted() == [2, 4, 6, 8])
        let byLine = Dictionary(uniqueKeysWithValues: rejections.map { ($0.line, $0) })
        #expect(byLine[2]?.field == "sentiment")
        #expect(byLine[6]?.field == "customerId")
        #expect(byLine[8]?.code == "event_id_conflict")
        #expect(s.lines == 7)
    }

    @Test func strictStopsAtTheFirstBadLineWritingNothingOfItsBatch() async throws {
        let f = try StoreFixture()
        var lines: [String] = []
        for i in 1...25 { lines.append(#"{"customerId":"s\#(i)","type":"t"}"#) }
        lines[16] = #"{"customerId":"bad","type":"t","occurredAt":"soon"}"#  // line 17
        let (s, rejections) = try await ingest(lines.joined(separator: "\n"), into: f) {
            $0.batchSize = 5
            $0.strict = true
        }
        #expect(rejections.map(\.line) == [17])
        #expect(s.stoppedAtLine == 17)
        // Batches of lines 1–5, 6–10, 11–15 are written; 16–20 (holding line 17) is not.
        #expect(s.written == 15)
        #expect(try f.store.headPosition() == 15)
    }

    @Test func anOverlongLineIsRejectedWithoutBufferingIt() async throws {
        let f = try StoreFixture()
        let huge = #"{"customerId":"a","type":"t","properties":{"x":""# + String(repeating: "y", count: 6_000_000) + #""}}"#
        let text = #"{"customerId":"a","type":"t"}"# + "\n" + huge + "\n" + #"{"customerId":"b","type":"t"}"#
        let (s, rejections) = try await ingest(text, into: f)
        #expect(s.written == 2)
        #expect(rejections.map(\.line) == [2])
        #expect(rejections.first?.field == "event")
    }
}
