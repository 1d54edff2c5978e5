import Foundation
import JourneyStore
import JourneyTestSupport
import Testing

/// End to end: the built `journeyctl`, real LMDB in a temporary folder, output and exit codes.
@Suite struct CLITests {
    let dir = TemporaryDirectory("cli")
    var data: String { dir.appending("data") }

    func ctl(_ args: [String], stdin: String? = nil) throws -> ProcessResult {
        try ProcessRunner.journeyctl(args + ["--data", data], stdin: stdin.map { Data($0.utf8) })
    }

    @Test func appendPrintsPositionAndVersion() throws {
        let r = try ctl(["append", "--customer", "c1", "--type", "purchase", "--touchpoint", "checkout_page", "--channel", "web",
                         "--occurred-at", "2026-01-02T03:04:05+01:00", "--sentiment", "0.5", "--property", "sku=A-1",
                         "--property", "qty:=2", "--id", "e1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "appended event e1 at position 1 (customer c1, version 1)\n")
        let j = try ctl(["append", "--customer", "c1", "--type", "page_view", "--json"])
        #expect(j.status == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(obj["position"] as? Int == 2 && obj["version"] as? Int == 2 && obj["duplicate"] as? Bool == false)
        let events = try ctl(["events"])
        let first = try #require(events.stdout.split(separator: "\n").first)
        #expect(first == #"{"position":1,"version":1,"id":"e1","customerId":"c1","type":"purchase","occurredAt":"2026-01-02T02:04:05.000Z","recordedAt":"\#(String(first.split(separator: "\"")[23]))","touchpoint":"checkout_page","channel":"web","sentiment":0.5,"properties":{"sku":"A-1","qty":2}}"#)
    }

    @Test func appendRetriesAndConflicts() throws {
        let args = ["append", "--customer", "c1", "--type", "purchase", "--id", "same", "--occurred-at", "2026-01-01T00:00:00Z"]
        #expect(try ctl(args).status == 0)
        let again = try ctl(args)
        #expect(again.status == 0)
        #expect(again.stdout.hasPrefix("duplicate: event same is already in the log at position 1"))
        let conflict = try ctl(["append", "--customer", "c1", "--type", "refund", "--id", "same"])
        #expect(conflict.status == 1)
        #expect(conflict.stderr.contains("event id same is already used by an event with different content"))
        let version = try ctl(["append", "--customer", "c1", "--type", "x", "--expected-version", "no-stream"])
        #expect(version.status == 1)
        #expect(version.stderr.contains("expected version no-stream, but the stream is at version 1"))
        #expect(try ctl(["append", "--customer", "c1", "--type", "x", "--expected-version", "1"]).status == 0)
    }

    @Test func badInputExitsTwoAndWritesNothing() throws {
        let cases: [([String], String)] = [
            (["append", "--customer", "c1", "--type", "t", "--sentiment", "1.5"], "sentiment: expected a number in -1…1, got 1.5"),
            (["append", "--customer", "c1", "--type", "t", "--sentiment", "lots"], "--sentiment"),
            (["append", "--customer", "c1", "--type", "t", "--occurred-at", "2026-02-30T00:00:00Z"], "--occurred-at: day 30 out of range"),
            (["append", "--customer", "", "--type", "t"], "customerId: expected a non-empty string"),
            (["append", "--customer", "c1", "--type", "t", "--property", "novalue"], "--property"),
            (["append", "--customer", "c1", "--type", "t", "--property", "n:={bad"], "JSON value"),
            (["append", "--customer", "c1", "--type", "t", "--expected-version", "soon"], "--expected-version"),
            (["append", "--customer", "c1"], "--type"),
            (["frobnicate"], "Error: "),
        ]
        for (args, message) in cases {
            let r = try ctl(args)
            #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        if FileManager.default.fileExists(atPath: data + "/data.mdb") {
            #expect(try ctl(["stats", "--json"]).stdout.contains("\"events\":0"))
        }
    }

    @Test func ingestReportsCountsAndBadLines() throws {
        let sample = Repository.file("Schemas/examples/sample-events.ndjson")
        let ok = try ctl(["ingest", sample])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.hasPrefix("written 4,000, duplicates 0, rejected 0 in "))
        let again = try ctl(["ingest", sample, "--json"])
        #expect(again.status == 0)
        let summary = try JSONDecoder().decode(IngestSummary.self, from: Data(again.stdout.utf8))
        #expect(summary.written == 0 && summary.duplicates == 4000 && summary.rejected == 0)

        let input = "{\"customerId\":\"n1\",\"type\":\"t\"}\n{\"customerId\":\"n2\",\"type\":\"t\",\"sentiment\":9}\n{oops\n{\"customerId\":\"n3\",\"type\":\"t\"}\n"
        let bad = try ctl(["ingest", "-"], stdin: input)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("line 2: sentiment: expected a number in -1…1, got 9"))
        #expect(bad.stderr.contains("line 3: malformed JSON"))
        #expect(bad.stdout.hasPrefix("written 2, duplicates 0, rejected 2"))

        let strict = try ctl(["ingest", "-", "--strict", "--json"], stdin: "{\"customerId\":\"s1\",\"type\":\"t\"}\n{\"type\":\"t\"}\n")
        #expect(strict.status == 2)
        let s = try JSONDecoder().decode(IngestSummary.self, from: Data(strict.stdout.utf8))
        #expect(s.written == 0 && s.rejected == 1 && s.stoppedAtLine == 2)
        #expect(s.rejections.first?.field == "customerId")

        let missing = try ctl(["ingest", dir.appending("nope.ndjson")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot open"))
    }

    @Test func eventsVerifyAndStats() throws {
        #expect(try ctl(["ingest", Repository.file("Schemas/examples/sample-events.ndjson")]).status == 0)
        let page = try ctl(["events", "--from", "10", "--limit", "5"])
        let lines = page.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        let positions = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["position"] as? Int }
        #expect(positions == [10, 11, 12, 13, 14])
        let all = try ctl(["events", "--limit", "0"])
        #expect(all.stdout.split(separator: "\n").count == 4000)
        let stream = try ctl(["events", "--customer", "cust-0000007", "--backward", "--limit", "2"])
        let versions = try stream.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["version"] as? Int
        }
        #expect(versions.count == 2 && versions[0]! > versions[1]!)
        let unknown = try ctl(["events", "--customer", "nobody"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("customer nobody is not known to this store"))

        let verify = try ctl(["verify"])
        #expect(verify.status == 0)
        #expect(verify.stdout.hasPrefix("ok: 4,000 events verified"))
        let stats = try ctl(["stats", "--json"])
        let s = try JSONDecoder().decode(StoreStatistics.self, from: Data(stats.stdout.utf8))
        #expect(s.events == 4000 && s.customers == 400 && s.headPosition == 4000 && s.fileBytes > 0)
        let human = try ctl(["stats"])
        #expect(human.stdout.contains("events          4,000"))
    }

    @Test func readCommandsOnAMissingStoreFail() throws {
        for cmd in [["events"], ["verify"], ["stats"]] {
            let r = try ctl(cmd)
            #expect(r.status == 1)
            #expect(r.stderr.contains("no journey store in"))
        }
    }

    @Test func verifyFailsWithTheFirstBadPosition() throws {
        for i in 1...5 {
            _ = try ctl(["append", "--customer", "c", "--type", "t", "--touchpoint", i == 3 ? "flip-this-one" : "fine-\(i)"])
        }
        let path = data + "/data.mdb"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // Copy-on-write leaves stale copies of pages behind: flip the marker everywhere.
        var from = bytes.startIndex
        while let range = bytes.range(of: Data("flip-this-one".utf8), in: from..<bytes.endIndex) {
            bytes[range.lowerBound] ^= 0x20
            from = range.upperBound
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        let r = try ctl(["verify"])
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("FAILED at position 3: chain hash mismatch"))
        let j = try ctl(["verify", "--json"])
        #expect(j.status == 1)
        #expect(j.stdout.contains("\"firstBadPosition\":3"))
    }

    @Test func helpExitsZero() throws {
        let r = try ProcessRunner.journeyctl(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("ingest"))
    }
}
