import Foundation
import JourneyCore
import JourneyStore
import JourneyTestSupport
import Testing

/// `journeyctl --server`: the same commands against a running `journeyctl serve`, same output.
@Suite struct RemoteCLITests {
    /// Starts `journeyctl serve` on a free port; returns the process and its URL.
    static func serve(data: String, extra: [String] = []) throws -> (Process, String) {
        ProcessRunner.ignoreBrokenPipes
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repository.journeyctl)
        p.environment = ProcessRunner.environment()
        p.arguments = ["serve", "--data", data, "--port", "0", "--log-level", "notice"] + extra
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        var log = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            log += String(decoding: err.fileHandleForReading.availableData, as: UTF8.self)
            if let r = log.range(of: #"listening on (http://[0-9.]+:[0-9]+)"#, options: .regularExpression) {
                let url = String(log[r].dropFirst("listening on ".count))
                // Keep draining the server's log, so that a full pipe never blocks it.
                let handle = err.fileHandleForReading
                BlockingThread.start { while !handle.availableData.isEmpty {} }
                return (p, url)
            }
        }
        p.terminate()
        throw HTTPTestClient.Failure(description: "serve did not start: \(log)")
    }

    @Test func sameCommandsSameOutput() throws {
        let dir = TemporaryDirectory("remote")
        let local = dir.appending("local")
        let (server, url) = try Self.serve(data: dir.appending("served"))
        defer { server.terminate(); server.waitUntilExit() }
        let sample = Repository.file("Schemas/examples/sample-events.ndjson")
        func remote(_ args: [String]) throws -> ProcessResult { try ProcessRunner.journeyctl(args + ["--server", url]) }
        func here(_ args: [String]) throws -> ProcessResult { try ProcessRunner.journeyctl(args + ["--data", local]) }

        let ingested = try remote(["ingest", sample, "--json"])
        #expect(ingested.status == 0, "\(ingested.stderr)")
        #expect(try JSONDecoder().decode(IngestSummary.self, from: Data(ingested.stdout.utf8)).written == 4000)
        #expect(try here(["ingest", sample]).status == 0)

        // The same answers, byte for byte, where nothing depends on when events were recorded.
        for args in [["customer", "cust-0000047"], ["customer", "cust-0000047", "--json"], ["funnel"], ["funnel", "--json"],
                     ["stage", "decision", "--limit", "5"], ["advocates", "--json"], ["journey", "cust-0000047"],
                     ["customer", "cust-0000047", "--as-of", "2026-03-01T00:00:00Z", "--json"]] {
            let a = try remote(args), b = try here(args)
            #expect(a.status == 0 && b.status == 0, "\(args): \(a.stderr) \(b.stderr)")
            #expect(a.stdout == b.stdout, "\(args)")
        }
        // Events: the same lines but for recordedAt.
        let strip = { (s: String) in s.replacingOccurrences(of: #""recordedAt":"[^"]+""#, with: "", options: .regularExpression) }
        let ea = try remote(["events", "--from", "100", "--limit", "25"]), eb = try here(["events", "--from", "100", "--limit", "25"])
        #expect(ea.stdout.split(separator: "\n").count == 25)
        #expect(strip(ea.stdout) == strip(eb.stdout))
        let sa = try remote(["events", "--customer", "cust-0000007", "--backward", "--limit", "3"])
        #expect(strip(sa.stdout) == strip(try here(["events", "--customer", "cust-0000007", "--backward", "--limit", "3"]).stdout))

        // Writes and their errors.
        let a1 = try remote(["append", "--customer", "r1", "--type", "purchase", "--id", "r-1"])
        #expect(a1.status == 0 && a1.stdout == "appended event r-1 at position 4001 (customer r1, version 1)\n")
        let conflict = try remote(["append", "--customer", "r1", "--type", "x", "--expected-version", "no-stream"])
        #expect(conflict.status == 1 && conflict.stderr.contains("expected version no-stream, but the stream is at version 1"))
        let bad = try ProcessRunner.journeyctl(["ingest", "-", "--server", url], stdin: Data("{\"customerId\":\"r2\",\"type\":\"t\"}\nnot json\n".utf8))
        #expect(bad.status == 2 && bad.stderr.contains("line 2:"))
        let unknown = try remote(["customer", "nobody"])
        #expect(unknown.status == 1 && unknown.stderr.contains("customer nobody is not known"))
        #expect(try remote(["verify"]).stdout.hasPrefix("ok: 4,002 events verified"))
        #expect(try remote(["stats", "--json"]).stdout.contains("\"events\":4002"))
        let rebuilt = try remote(["rebuild", "funnel"])
        #expect(rebuilt.status == 0 && rebuilt.stdout.hasPrefix("rebuilt funnel: generation 2"), "\(rebuilt.stderr)")
        let unreachable = try ProcessRunner.journeyctl(["stats", "--server", "http://127.0.0.1:1"])
        #expect(unreachable.status == 1 && unreachable.stderr.contains("cannot reach the server"))
    }

    @Test func tokensFromTheEnvironment() throws {
        let dir = TemporaryDirectory("remote-auth")
        let (server, url) = try Self.serve(data: dir.appending("data"), extra: ["--token", "ops:admin:0123456789abcdef"])
        defer { server.terminate(); server.waitUntilExit() }
        let denied = try ProcessRunner.journeyctl(["funnel", "--server", url])
        #expect(denied.status == 1 && denied.stderr.contains("bearer token"))
        let allowed = try ProcessRunner.journeyctl(["funnel", "--json"], environment: ["JOURNEY_SERVER": url, "JOURNEY_TOKEN": "0123456789abcdef"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }
}
