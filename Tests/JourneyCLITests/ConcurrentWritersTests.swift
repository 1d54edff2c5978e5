import Foundation
import JourneyCore
import JourneyStore
import JourneyTestSupport
import Testing

/// Several writer processes on one encrypted store (the default): two `journeyctl ingest`
/// processes and a `journeyctl serve` taking HTTP appends, all at once, over overlapping sets
/// of new and existing customers, round after round. Nothing acknowledged may be lost, every
/// sealed record must open, and the views must equal a rebuild.
@Suite(.serialized) struct ConcurrentWritersTests {
    struct Line: Encodable {
        var id: String
        var customerId: String
        var type: String
        var properties: [String: String]
    }

    static let types = ["ad_click", "product_view", "pricing_view", "purchase", "first_login", "feature_used", "referral_sent"]

    /// One writer's events for a round: customers drawn from those of earlier rounds and from
    /// this round's new ones (shared by every writer of the round), ids unique to the writer.
    static func lines(writer: String, round: Int, count: Int, existing: Int, new: Int) -> [Line] {
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { i in
            let useNew = existing == 0 || Bool.random(using: &rng)
            let customer = useNew ? "r\(round)-c\(Int.random(in: 0..<new, using: &rng))" : "r\(Int.random(in: 0..<round, using: &rng))-c\(Int.random(in: 0..<new, using: &rng))"
            return Line(id: "\(writer)-\(round)-\(i)", customerId: customer, type: types[i % types.count],
                        properties: ["writer": writer, "n": String(i), "note": "personal text \(i)"])
        }
    }

    static func ndjson(_ lines: [Line]) throws -> Data {
        let e = JSONEncoder()
        var out = Data()
        for l in lines {
            out.append(try e.encode(l))
            out.append(0x0A)
        }
        return out
    }

    static func startIngest(_ file: String, data: String) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repository.journeyctl)
        p.environment = ProcessRunner.environment()
        p.arguments = ["ingest", file, "--data", data, "--batch-size", "250", "--json"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        return (p, out)
    }

    @Test func threeWriterProcessesLoseNothingAndEverySealOpens() async throws {
        let dir = TemporaryDirectory("writers")
        let data = dir.appending("data")
        let (server, url) = try RemoteCLITests.serve(data: data)
        defer { if server.isRunning { server.terminate(); server.waitUntilExit() } }
        let client = HTTPTestClient(port: Int(url.split(separator: ":").last!)!)
        let rounds = 4, perWriter = 2_000, perRoundCustomers = 300
        var sent = Set<String>()
        for round in 0..<rounds {
            let a = Self.lines(writer: "a", round: round, count: perWriter, existing: round, new: perRoundCustomers)
            let b = Self.lines(writer: "b", round: round, count: perWriter, existing: round, new: perRoundCustomers)
            let h = Self.lines(writer: "h", round: round, count: 400, existing: round, new: perRoundCustomers)
            let fileA = dir.appending("a\(round).ndjson"), fileB = dir.appending("b\(round).ndjson")
            try Self.ndjson(a).write(to: URL(fileURLWithPath: fileA))
            try Self.ndjson(b).write(to: URL(fileURLWithPath: fileB))
            let (pa, outA) = try Self.startIngest(fileA, data: data)
            let (pb, outB) = try Self.startIngest(fileB, data: data)
            // HTTP appends while both ingests run: single events and small batches.
            let encoder = JSONEncoder()
            var i = 0
            while i < h.count {
                let n = i % 3 == 0 ? 1 : 20
                let chunk = Array(h[i..<min(i + n, h.count)])
                let body = n == 1 ? try encoder.encode(chunk[0]) : try encoder.encode(chunk)
                let r = try await client.request("POST", "/v1/events", headers: ["Content-Type": "application/json"], body: body)
                #expect(r.status == 201 || r.status == 200, "round \(round): \(r.status) \(r.text)")
                i += n
            }
            for (p, out, lines) in [(pa, outA, a), (pb, outB, b)] {
                let summary = out.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                #expect(p.terminationStatus == 0, "round \(round)")
                let s = try JSONDecoder().decode(IngestSummary.self, from: summary)
                #expect(s.written == lines.count && s.rejected == 0, "round \(round): \(s)")
            }
            for l in a + b + h { sent.insert(l.id) }
        }
        server.terminate()
        server.waitUntilExit()

        // Every acknowledged event exactly once; the chain and every seal check out.
        let verify = try ProcessRunner.journeyctl(["verify", "--data", data, "--json"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]
        let seals = report?["seals"] as? [String: Any]
        #expect(seals?["unreadableCount"] as? Int == 0 && seals?["opened"] as? Int == sent.count, "\(verify.stdout)")
        let export = try ProcessRunner.journeyctl(["export", "--data", data])
        #expect(export.status == 0, "\(export.stderr)")
        var ids: [String] = []
        for line in export.stdout.split(separator: "\n") {
            let e = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            ids.append(e["id"] as! String)
            #expect((e["properties"] as? [String: Any])?["note"] != nil)
        }
        #expect(ids.count == sent.count && Set(ids) == sent)

        // The views equal a rebuild, with no faults.
        let customers = (0..<rounds).flatMap { r in (0..<5).map { "r\(r)-c\($0 * 37)" } }
        func views() throws -> [String] {
            try (["funnel", "--json"] as [String]).map { _ in try ProcessRunner.journeyctl(["funnel", "--json", "--data", data]).stdout }
                + customers.map { try ProcessRunner.journeyctl(["customer", $0, "--json", "--data", data]).stdout }
        }
        let live = try views()
        let projections = try ProcessRunner.journeyctl(["projections", "--json", "--data", data])
        let statuses = try JSONDecoder().decode([ProjectionStatus].self, from: Data(projections.stdout.utf8))
        #expect(statuses.allSatisfy { $0.faults == 0 && $0.lag == 0 })
        #expect(try ProcessRunner.journeyctl(["rebuild", "--data", data]).status == 0)
        #expect(try views() == live)
    }
}
