import Foundation
import JourneyTestSupport
import Testing

/// `journeyctl identity merge|unmerge|show` and visitor events, as a user runs them: here and
/// against a server, with the same output and exit codes.
@Suite struct IdentityCLITests {
    static let events = """
        {"anonymousId":"v1","type":"ad_click","occurredAt":"2026-01-01T00:00:00Z"}
        {"anonymousId":"v1","type":"product_view","occurredAt":"2026-01-02T00:00:00Z"}
        {"customerId":"c1","anonymousId":"v1","type":"identify","occurredAt":"2026-01-03T00:00:00Z","properties":{"plan":"smb"}}
        {"customerId":"c1","type":"purchase","occurredAt":"2026-01-04T00:00:00Z"}
        {"customerId":"c2","type":"first_login","occurredAt":"2026-01-05T00:00:00Z"}

        """

    @Test func mergeShowAndUnmergeHereAndRemote() throws {
        let dir = TemporaryDirectory("identity-cli")
        try Data(Self.events.utf8).write(to: URL(fileURLWithPath: dir.appending("e.ndjson")))
        let (server, url) = try RemoteCLITests.serve(data: dir.appending("served"))
        defer { server.terminate(); server.waitUntilExit() }
        // A relative --data folder (a bare name) works too.
        func here(_ args: [String]) throws -> ProcessResult { try ProcessRunner.journeyctl(args + ["--data", "local"], directory: dir.path) }
        func remote(_ args: [String]) throws -> ProcessResult { try ProcessRunner.journeyctl(args + ["--server", url], directory: dir.path) }
        for run in [here, remote] {
            var r = try run(["ingest", "e.ndjson"])
            #expect(r.status == 0, "\(r.stderr)")
            r = try run(["customer", "v1"])
            #expect(r.status == 0 && r.stdout.contains("journey of c1") && r.stdout.contains("stage      decision"), "\(r.stdout)\(r.stderr)")
            r = try run(["identity", "show", "c1"])
            #expect(r.status == 0 && r.stdout.contains("anonymous v1 ← linked to c1 by identify at position 3"), "\(r.stdout)")
            r = try run(["identity", "merge", "c2", "c1", "--reason", "same person"])
            #expect(r.status == 0 && r.stdout.contains("merged customer c2 into customer c1: record at position 6"), "\(r.stdout)\(r.stderr)")
            r = try run(["identity", "merge", "c2", "c1"])
            #expect(r.status == 0 && r.stdout.contains("already one journey; nothing changed"))
            r = try run(["funnel", "--json"])
            #expect(r.stdout.contains(#""customers":1"#), "\(r.stdout)")
            r = try run(["identity", "unmerge", "c2", "c1", "--json"])
            #expect(r.status == 0 && r.stdout.contains(#""changed":true"#) && r.stdout.contains(#""action":"unmerge""#), "\(r.stdout)\(r.stderr)")
            r = try run(["identity", "unmerge", "c2", "c1"])
            #expect(r.status == 1 && r.stderr.contains("not linked directly"), "\(r.stderr)")
            r = try run(["identity", "merge", "guest", "c1"])
            #expect(r.status == 2 && r.stderr.contains("block-list"), "\(r.stderr)")
            r = try run(["identity", "merge", "nobody", "c1"])
            #expect(r.status == 1 && r.stderr.contains("not known"), "\(r.stderr)")
            r = try run(["identity", "merge", "c2", "c1", "--from-kind", "robot"])
            #expect(r.status == 2, "\(r.stderr)")
            r = try run(["events", "--customer", "v1"])
            #expect(r.status == 0 && r.stdout.split(separator: "\n").count == 2, "\(r.stdout)\(r.stderr)")
            r = try run(["customer", "c2"])
            #expect(r.status == 0 && !r.stdout.contains("journey of"))
        }
        #expect(FileManager.default.fileExists(atPath: dir.appending("local/data.mdb")))
    }
}
