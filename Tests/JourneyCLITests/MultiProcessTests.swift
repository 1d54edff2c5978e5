import Foundation
import JourneyStore
import JourneyTestSupport
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
}
