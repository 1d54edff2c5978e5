import Foundation
import JourneyTestSupport
import Testing

/// `journeyctl map`, `map paths`, `at-risk`, here and against a server, alike.
@Suite struct MapCLITests {
    @Test func theMapFromTheCommandLine() throws {
        let dir = TemporaryDirectory("map-cli")
        let (server, url) = try RemoteCLITests.serve(data: dir.appending("served"))
        defer { server.terminate(); server.waitUntilExit() }
        let file = Repository.file("Tests/Fixtures/journeys/j-native.ndjson")
        var outputs: [[String]] = []
        for mode in [["--data", dir.appending("local")], ["--server", url]] {
            var r = try ProcessRunner.journeyctl(["ingest", file] + mode)
            #expect(r.status == 0, "\(r.stderr)")
            var mine: [String] = []
            r = try ProcessRunner.journeyctl(["map", "--at", "2026-03-20T00:00:00Z", "--min-support", "5"] + mode)
            #expect(r.status == 0 && r.stdout.contains("journey map of") && r.stdout.contains("consideration: reached"), "\(r.stdout)\(r.stderr)")
            mine.append(r.stdout)
            r = try ProcessRunner.journeyctl(["map", "--json", "--at", "2026-03-20T00:00:00Z"] + mode)
            #expect(r.status == 0 && r.stdout.contains(#""momentsOfTruth""#))
            mine.append(r.stdout)
            r = try ProcessRunner.journeyctl(["map", "paths", "decision", "--at", "2026-03-20T00:00:00Z"] + mode)
            #expect(r.status == 0 && r.stdout.contains("went on from decision"), "\(r.stdout)\(r.stderr)")
            mine.append(r.stdout)
            r = try ProcessRunner.journeyctl(["at-risk", "--limit", "3", "--at", "2026-03-20T00:00:00Z"] + mode)
            #expect(r.status == 0 && r.stdout.contains("more: --after"), "\(r.stdout)\(r.stderr)")
            mine.append(r.stdout)
            r = try ProcessRunner.journeyctl(["map", "--segment", "nope"] + mode)
            #expect(r.status == 1 && r.stderr.contains("unknown segment"), "\(r.stderr)")
            r = try ProcessRunner.journeyctl(["at-risk", "--reason", "bored"] + mode)
            #expect(r.status == 2 && r.stderr.contains("reason"), "\(r.stderr)")
            r = try ProcessRunner.journeyctl(["map", "--from", "soon"] + mode)
            #expect(r.status == 2)
            outputs.append(mine)
        }
        #expect(outputs[0] == outputs[1])
    }
}
