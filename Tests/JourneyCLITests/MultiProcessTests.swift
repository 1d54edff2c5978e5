import Foundation
import JourneyStore
import JourneyTestSupport
import Synchronization
import Testing

/// Several processes on one store: the CLI next to a store open in this process, and a writer
/// killed with SIGKILL in the middle of an ingest.
@Suite struct MultiProcessTests {
    @Test func cliWritesBetweenThisProcesssAppends() async throws {
        let dir = TemporaryDirectory("multi")
        let data = dir.appending("data")
        let store = try EventStore(testKeyed: data)
        defer { store.close() }
        _ = try await store.append(NewEvent(customerId: "shared", type: "a"))
        for i in 0..<3 {
            let r = try ProcessRunner.journeyctl(["append", "--data", data, "--customer", "shared", "--type", "cli-\(i)"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        // This process's writer must notice the other writer's commits (versions, positions).
        let mine = try await store.append(NewEvent(customerId: "shared", type: "b"))
        #expect(mine.position == 5)
        #expect(mine.version == 5)
        #expect(try store.readStream("shared").map(\.type) == ["a", "cli-0", "cli-1", "cli-2", "b"])
        let verify = try ProcessRunner.journeyctl(["verify", "--data", data])
        #expect(verify.status == 0)
    }

    /// A child ingesting is killed with SIGKILL: after reopening, every batch it reported as
    /// committed is there, no batch is half there, and the log verifies.
    @Test func killedIngestLosesNothingAcknowledged() async throws {
        let dir = TemporaryDirectory("crash")
        let data = dir.appending("data")
        let batch = 250
        ProcessRunner.ignoreBrokenPipes
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repository.journeyctl)
        p.environment = ProcessRunner.environment()
        p.arguments = ["ingest", "-", "--data", data, "--batch-size", String(batch), "--verbose", "--quiet"]
        let input = Pipe(), errors = Pipe()
        p.standardInput = input
        p.standardError = errors
        p.standardOutput = FileHandle.nullDevice
        try p.run()

        // Feed lines from a background thread until the child dies.
        let writer = input.fileHandleForWriting
        let feeder = Thread {
            var line = 0
            while true {
                var chunk = ""
                for _ in 0..<batch {
                    line += 1
                    chunk += #"{"id":"line-\#(line)","customerId":"cust-\#(line % 37)","type":"t","properties":{"batch":\#((line - 1) / batch)}}"# + "\n"
                }
                do { try writer.write(contentsOf: Data(chunk.utf8)) } catch { return }
            }
        }
        feeder.start()

        // Read "committed lines A-B" reports until enough batches are acknowledged.
        var acknowledged: [(Int, Int)] = []
        var buffer = Data()
        let reader = errors.fileHandleForReading
        while acknowledged.count < 12 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...nl)
                if line.hasPrefix("committed lines "), let range = line.split(separator: " ")[2].split(separator: ":").first {
                    let ends = range.split(separator: "-").compactMap { Int($0) }
                    if ends.count == 2 { acknowledged.append((ends[0], ends[1])) }
                }
            }
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        try? writer.close()
        #expect(p.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= 12)

        let store = try EventStore(testKeyed: data)
        defer { store.close() }
        let head = try store.headPosition()
        let lastAcknowledged = acknowledged.map(\.1).max() ?? 0
        #expect(head >= UInt64(lastAcknowledged))
        for (first, last) in acknowledged {
            for line in [first, (first + last) / 2, last] {
                #expect(try store.event(id: "line-\(line)") != nil, "acknowledged line \(line) is missing")
            }
        }
        // Whole batches only: the log holds lines 1…head in order, a multiple of the batch size.
        #expect(head % UInt64(batch) == 0, "head \(head) is not a whole number of batches")
        let log = try store.readLog(limit: Int(head) + 1)
        #expect(log.map(\.id) == (1...Int(head)).map { "line-\($0)" })
        #expect(try store.verify().isValid)
    }

    /// A server killed with SIGKILL while its projection worker commits views and appends commit
    /// to the log at the same time (two environments, two writers): every acknowledged batch is
    /// in the log, the log verifies, and after a restart the views equal a rebuild.
    @Test func killedWhileTheLogAndTheViewsCommitTogether() async throws {
        let dir = TemporaryDirectory("crash-both")
        let data = dir.appending("data")
        let (server, url) = try RemoteCLITests.serve(data: data)
        let port = Int(url.split(separator: ":").last!)!
        let client = HTTPTestClient(port: port)
        let batch = 400, customers = 300
        let types = ["ad_click", "product_view", "pricing_view", "purchase", "first_login", "feature_used", "survey_response", "referral_sent"]
        func body(_ b: Int) -> Data {
            var s = ""
            for k in 0..<batch {
                let i = b * batch + k, c = (i * 7919) % customers
                let t = Timestamp(milliseconds: 1_767_225_600_000 + Int64(i / customers) * 3_600_000 + Int64(c)).rfc3339
                let props = types[(i / customers + c) % types.count] == "survey_response" ? #","properties":{"nps":\#(i % 11)}"# : ""
                s += #"{"id":"b\#(i)","customerId":"c\#(c)","type":"\#(types[(i / customers + c) % types.count])","occurredAt":"\#(t)"\#(props)}"# + "\n"
            }
            return Data(s.utf8)
        }
        // Appends from one task; the test watches the worker's checkpoint move while they go on.
        let acknowledged = Mutex<[Int]>([])
        let stopped = Mutex<String?>(nil)
        let appender = Task.detached {
            for b in 0..<10_000 {
                do {
                    let r = try await client.request("POST", "/v1/events", headers: ["Content-Type": "application/x-ndjson"], body: body(b))
                    guard r.status == 200 || r.status == 201 else { stopped.withLock { $0 = "batch \(b): HTTP \(r.status)" }; return }
                } catch {
                    stopped.withLock { $0 = "batch \(b): \(error)" }
                    return
                }
                acknowledged.withLock { $0.append(b) }
            }
        }
        var checkpoints: [Int] = []
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(30))
            let r = try await client.request("GET", "/v1/projections")
            let c = (r.json as? [[String: Any]])?.compactMap { $0["checkpoint"] as? Int }.min() ?? 0
            checkpoints.append(c)
            // The worker has committed views at least twice, is behind, and appends go on.
            let moving = Set(checkpoints.filter { $0 > 0 }).count >= 3
            if moving && acknowledged.withLock({ $0.count }) >= 15 && c < acknowledged.withLock({ $0.count }) * batch { break }
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        _ = await appender.result
        let acked = acknowledged.withLock { $0 }
        #expect(server.terminationReason == .uncaughtSignal)
        #expect(acked.count >= 15 && Set(checkpoints.filter { $0 > 0 }).count >= 3, "acknowledged \(acked.count), checkpoints \(checkpoints), appender stopped: \(stopped.withLock { $0 } ?? "no")")

        do {
            let store = try EventStore(testKeyed: data)
            defer { store.close() }
            for b in acked { #expect(try store.event(id: "b\(b * batch + batch - 1)") != nil, "acknowledged batch \(b) is missing") }
            #expect(try store.headPosition() % UInt64(batch) == 0, "a batch is half there")
            #expect(try store.verify().isValid)
        }
        func ctl(_ args: [String]) throws -> String {
            let r = try ProcessRunner.journeyctl(args + ["--data", data])
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return r.stdout
        }
        func snapshot() throws -> [String] {
            try [ctl(["funnel", "--json"]), ctl(["map", "--json", "--at", "2026-06-01T00:00:00Z"])] + ["c0", "c1", "c77", "c299"].flatMap { c in
                [try ctl(["customer", c, "--json"]), try ctl(["journey", c, "--json"])]
            }
        }
        let resumed = try snapshot()
        _ = try ctl(["rebuild"])
        #expect(try snapshot() == resumed)
    }
}
