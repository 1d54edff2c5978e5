import Foundation
import JourneyTestSupport
import Testing

/// `journeyctl ingest --format segment|cloudevents` on gen_journeys.py's data (Tests/Fixtures/journeys), here and against
/// a server: the same journeys in three shapes give the same views.
@Suite struct PipelineCLITests {
    @Test func threeShapesOneJourney() throws {
        let dir = TemporaryDirectory("pipelines-cli")
        let (server, url) = try RemoteCLITests.serve(data: dir.appending("served"))
        defer { server.terminate(); server.waitUntilExit() }
        var funnels: [String] = []
        for format in ["native", "segment", "cloudevents"] {
            let file = Repository.file("Tests/Fixtures/journeys/j-\(format).ndjson")
            let data = dir.appending(format)
            var r = try ProcessRunner.journeyctl(["ingest", file, "--format", format, "--data", data, "--json"])
            #expect(r.status == 0 && r.stdout.contains(#""rejected":0"#), "\(format): \(r.stdout)\(r.stderr)")
            // A re-run writes nothing: the messages' ids are duplicates.
            r = try ProcessRunner.journeyctl(["ingest", file, "--format", format, "--data", data, "--json"])
            #expect(r.status == 0 && r.stdout.contains(#""written":0"#), "\(format): \(r.stdout)")
            r = try ProcessRunner.journeyctl(["funnel", "--json", "--data", data])
            funnels.append(r.stdout)
        }
        #expect(Set(funnels).count == 1, "\(funnels)")
        // Against a server, twice: the second run is all duplicates (by id, over HTTP too).
        let segment = Repository.file("Tests/Fixtures/journeys/j-segment.ndjson")
        var r = try ProcessRunner.journeyctl(["ingest", segment, "--format", "segment", "--server", url, "--json"])
        #expect(r.status == 0 && r.stdout.contains(#""rejected":0"#), "\(r.stdout)\(r.stderr)")
        r = try ProcessRunner.journeyctl(["ingest", segment, "--format", "segment", "--server", url, "--json"])
        #expect(r.status == 0 && r.stdout.contains(#""written":0"#), "\(r.stdout)\(r.stderr)")
        r = try ProcessRunner.journeyctl(["funnel", "--json", "--server", url])
        #expect(r.stdout == funnels[0])

        // Bad lines: the line number and the field; a mapping file renames types.
        let bad = dir.appending("bad.ndjson")
        try Data("""
            {"type":"track","userId":"u","event":"Order Completed","messageId":"b1"}
            {"type":"track","userId":"u","messageId":"b2"}
            {"type":"page","anonymousId":"v","properties":{"sentiment":4}}

            """.utf8).write(to: URL(fileURLWithPath: bad))
        r = try ProcessRunner.journeyctl(["ingest", bad, "--format", "segment", "--data", dir.appending("bad"),
                                          "--mapping", Repository.file("Schemas/examples/pipeline-mapping.json")])
        #expect(r.status == 2 && r.stderr.contains("line 2: message.event") && r.stderr.contains("line 3: message.properties.sentiment"), "\(r.stderr)")
        r = try ProcessRunner.journeyctl(["events", "--data", dir.appending("bad")])
        #expect(r.stdout.contains(#""type":"purchase""#), "\(r.stdout)")
        r = try ProcessRunner.journeyctl(["ingest", bad, "--mapping", "x.json", "--data", dir.appending("bad")])
        #expect(r.status == 2 && r.stderr.contains("--mapping applies to --format"))
        r = try ProcessRunner.journeyctl(["ingest", bad, "--format", "kafka", "--data", dir.appending("bad")])
        #expect(r.status == 2)
    }
}
