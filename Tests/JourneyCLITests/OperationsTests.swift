import Foundation
import JourneyCore
import JourneyStore
import JourneyTestSupport
import Testing

/// Backup, restore, export, compact, doctor.
@Suite struct OperationsTests {
    /// A backup taken while another writer keeps appending restores to a store that verifies and
    /// whose views equal a full rebuild.
    @Test func backupDuringIngestRestoresToAConsistentStore() async throws {
        let dir = TemporaryDirectory("ops")
        let data = dir.appending("data")
        let store = try EventStore(testKeyed: data)
        let engine = try JourneyEngine(store: store)
        _ = try await store.append((0..<2000).map { i in
            NewEvent(customerId: "c\(i % 97)", type: ["ad_click", "product_view", "purchase", "referral_sent"][i % 4],
                     occurredAt: Timestamp(milliseconds: 1_767_225_600_000 + Int64(i) * 60_000))
        })
        try engine.live.catchUp()
        let writer = Task {
            var n = 0
            while !Task.isCancelled && n < 3000 {
                _ = try await store.append([NewEvent(customerId: "w\(n % 50)", type: "pricing_view")])
                n += 1
            }
            return n
        }
        try await Task.sleep(for: .milliseconds(50))
        let backup = try ProcessRunner.journeyctl(["backup", dir.appending("backup"), "--data", data, "--json"])
        writer.cancel()
        _ = try? await writer.value
        #expect(backup.status == 0, "\(backup.stderr)")
        let manifest = try JSONDecoder().decode(BackupManifest.self, from: Data(backup.stdout.utf8))
        #expect(manifest.verified && manifest.headPosition >= 2000)
        store.close()

        let restored = dir.appending("restored")
        let r = try ProcessRunner.journeyctl(["restore", dir.appending("backup"), "--data", restored])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("restored \(manifest.headPosition.formatted(.number.grouping(.automatic)).replacingOccurrences(of: ".", with: ",")) events"))
        let again = try ProcessRunner.journeyctl(["restore", dir.appending("backup"), "--data", restored])
        #expect(again.status == 2 && again.stderr.contains("refusing to overwrite"))

        // Views after catching up equal a full rebuild.
        let s = try EventStore(testKeyed: restored)
        defer { s.close() }
        #expect(try s.headPosition() == manifest.headPosition)
        let e = try JourneyEngine(store: s)
        try e.live.catchUp()
        let customers = (0..<97).map { "c\($0)" } + ["w0", "w7"]
        let live = customers.compactMap { try? e.queries.customer($0) }
        let funnel = try e.queries.funnel()
        try e.rebuilder.rebuild()
        #expect(customers.compactMap { try? e.queries.customer($0) } == live)
        #expect(try e.queries.funnel() == funnel)
        #expect(try s.verify().isValid)
    }

    /// Export, then ingest with --keep-recorded-at into an empty store: the same events, the same
    /// views, and the very same hash chain.
    @Test func exportIngestRoundTrip() throws {
        let dir = TemporaryDirectory("export")
        let a = dir.appending("a"), b = dir.appending("b"), file = dir.appending("export.ndjson")
        #expect(try ProcessRunner.journeyctl(["ingest", Repository.file("Schemas/examples/sample-events.ndjson"), "--data", a]).status == 0)
        #expect(try ProcessRunner.journeyctl(["append", "--customer", "late", "--type", "purchase", "--data", a]).status == 0)
        let export = try ProcessRunner.journeyctl(["export", "--data", a, "-o", file])
        #expect(export.status == 0 && export.stderr.contains("exported 4,001 events"))
        #expect(try ProcessRunner.journeyctl(["ingest", file, "--keep-recorded-at", "--data", b]).status == 0)
        #expect(try ProcessRunner.journeyctl(["export", "--data", b]).stdout == (try String(contentsOfFile: file, encoding: .utf8)))
        let va = try ProcessRunner.journeyctl(["verify", "--data", a, "--json"]).stdout
        let vb = try ProcessRunner.journeyctl(["verify", "--data", b, "--json"]).stdout
        let ha = try JSONSerialization.jsonObject(with: Data(va.utf8)) as! [String: Any]
        let hb = try JSONSerialization.jsonObject(with: Data(vb.utf8)) as! [String: Any]
        #expect(hb["ok"] as? Bool == true)
        // "late" had no occurredAt; its re-ingested copy sends one, so the chains part there.
        #expect(ha["checked"] as? Int == hb["checked"] as? Int)
        for args in [["funnel", "--json"], ["customer", "cust-0000047", "--json"], ["journey", "cust-0000047", "--json"]] {
            #expect(try ProcessRunner.journeyctl(args + ["--data", a]).stdout == (try ProcessRunner.journeyctl(args + ["--data", b]).stdout), "\(args)")
        }
        let one = try ProcessRunner.journeyctl(["export", "--data", a, "--customer", "cust-0000007"])
        #expect(one.stdout.split(separator: "\n").count == 29)
    }

    @Test func compactNeedsTheStoreToItself() async throws {
        let dir = TemporaryDirectory("compact")
        let data = dir.appending("data")
        #expect(try ProcessRunner.journeyctl(["ingest", Repository.file("Schemas/examples/sample-events.ndjson"), "--data", data]).status == 0)
        #expect(try ProcessRunner.journeyctl(["rebuild", "--data", data]).status == 0)
        let open = try EventStore(testKeyed: data)
        let refused = try ProcessRunner.journeyctl(["compact", "--data", data])
        #expect(refused.status == 2 && refused.stderr.contains("open in another process"))
        open.close()
        let done = try ProcessRunner.journeyctl(["compact", "--data", data])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.hasPrefix("compacted"))
        #expect(try ProcessRunner.journeyctl(["verify", "--data", data]).status == 0)
        #expect(try ProcessRunner.journeyctl(["customer", "cust-0000047", "--data", data]).status == 0)
    }

    @Test func doctorSaysWhatIsWrongAndWhatToDo() throws {
        let dir = TemporaryDirectory("doctor")
        let data = dir.appending("data")
        #expect(try ProcessRunner.journeyctl(["ingest", Repository.file("Schemas/examples/sample-events.ndjson"), "--data", data]).status == 0)
        let healthy = try ProcessRunner.journeyctl(["doctor", "--data", data])
        #expect(healthy.status == 0, "\(healthy.stdout)")
        #expect(healthy.stdout.contains("ok    chain"))
        #expect(healthy.stdout.contains("ok    projection funnel"))
        #expect(healthy.stdout.contains("4,000 behind"))
        let missing = try ProcessRunner.journeyctl(["doctor", "--data", dir.appending("nowhere"), "--json"])
        #expect(missing.status == 1 && missing.stdout.contains("\"status\":\"fail\""))
        // Tamper with a record: the chain check fails and says what to do.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: data + "/data.mdb"))
        var from = bytes.startIndex
        while let r = bytes.range(of: Data("cust-0000123".utf8), in: from..<bytes.endIndex) {
            bytes[r.lowerBound] ^= 0x01
            from = r.upperBound
        }
        try bytes.write(to: URL(fileURLWithPath: data + "/data.mdb"))
        let broken = try ProcessRunner.journeyctl(["doctor", "--data", data])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("FAIL  chain"))
        #expect(broken.stdout.contains("restore the latest backup"))
    }

    /// Commands that need the data folder refuse a server address instead of quietly reading
    /// some local folder.
    @Test func folderCommandsRefuseRemoteMode() throws {
        let dir = TemporaryDirectory("local-only")
        for args in [["backup", dir.appending("b")], ["restore", dir.appending("b")], ["export"], ["compact"], ["doctor"]] {
            let r = try ProcessRunner.journeyctl(args + ["--server", "http://127.0.0.1:9", "--data", dir.appending("data")])
            #expect(r.status == 2, "\(args[0]): \(r.stderr)")
            #expect(r.stderr.contains("\(args[0]) works on the data folder"), "\(r.stderr)")
        }
        let viaEnv = try ProcessRunner.journeyctl(["export", "--data", dir.appending("data")], environment: ["JOURNEY_SERVER": "http://127.0.0.1:9"])
        #expect(viaEnv.status == 2 && viaEnv.stderr.contains("JOURNEY_SERVER unset") && viaEnv.stderr.contains("journeyctl events --server"))
    }
}
