import Foundation
import JourneyCore
import JourneyStore
import JourneyTestSupport
import Testing

/// `journeyctl … --log postgres://…` (or `JOURNEY_LOG`) without a server: each data folder is
/// this machine's replica of the log, made from it when new, as a node's is.
@Suite struct CLILogTests {
    @Test(.timeLimit(.minutes(3))) func commandsWorkOnAReplicaOfTheLog() async throws {
        let pg = try PostgresServer()
        defer { pg.stop() }
        let url = "postgres://\(pg.user)@127.0.0.1:\(pg.port)/\(pg.database)"
        let dir = TemporaryDirectory("cli-log")
        let a = dir.appending("a"), b = dir.appending("b")
        func ctl(_ args: [String], data: String, env: [String: String] = [:], stdin: String? = nil) throws -> ProcessResult {
            try ProcessRunner.journeyctl(args + ["--data", data], stdin: stdin.map { Data($0.utf8) }, environment: env)
        }

        // Ingested through folder a: the events are on PostgreSQL.
        let sample = Repository.file("Schemas/examples/sample-events.ndjson")
        let ingest = try ctl(["ingest", sample, "--log", url], data: a)
        #expect(ingest.status == 0 && ingest.stdout.hasPrefix("written 4,000, duplicates 0, rejected 0"), "\(ingest.stdout)\(ingest.stderr)")
        #expect(try pg.psql("SELECT count(*) FROM journey_events") == "4000")
        // This server has no synchronous standby: every command that writes says so, reads do not.
        let unsafe = "warning: the PostgreSQL primary has no synchronous standby"
        #expect(ingest.stderr.contains(unsafe), "\(ingest.stderr)")
        // A new folder b, JOURNEY_LOG instead of the flag: built from the log, same answers.
        let env = ["JOURNEY_LOG": url]
        let statsA = try ctl(["stats", "--json", "--log", url], data: a), statsB = try ctl(["stats", "--json"], data: b, env: env)
        #expect(statsB.status == 0 && statsB.stdout.contains(#""events":4000"#), "\(statsB.stdout)\(statsB.stderr)")
        let funnelA = try ctl(["funnel", "--json", "--log", url], data: a), funnelB = try ctl(["funnel", "--json"], data: b, env: env)
        #expect(funnelA.status == 0 && funnelA.stdout == funnelB.stdout, "\(funnelA.stdout) vs \(funnelB.stdout)\(funnelB.stderr)")
        #expect(statsA.status == 0 && !statsA.stderr.contains(unsafe) && !funnelB.stderr.contains(unsafe), "\(statsA.stderr)\(funnelB.stderr)")

        // Appended through b, read through a; a repeated id is a duplicate there.
        let event = ["append", "--id", "x1", "--customer", "cli-1", "--type", "purchase"]
        let append = try ctl(event, data: b, env: env)
        #expect(append.status == 0, "\(append.stdout)\(append.stderr)")
        let seen = try ctl(["customer", "cli-1", "--json", "--log", url], data: a)
        #expect(seen.status == 0 && seen.stdout.contains(#""stage":"decision""#), "\(seen.stdout)\(seen.stderr)")
        let again = try ctl(event + ["--log", url], data: a)
        #expect(again.status == 0 && again.stdout.contains("duplicate"), "\(again.stdout)\(again.stderr)")
        #expect(try pg.psql("SELECT count(*) FROM journey_events") == "4001")

        // A model activated through a is the log's: b runs under it when next opened.
        var doc = try JSONSerialization.jsonObject(with: Data(JourneyModel.defaultDocument.utf8)) as! [String: Any]
        doc["version"] = "cli-2"
        var rules = doc["rules"] as! [[String: Any]]
        rules.insert(["id": "purchase-onboards", "stage": "onboarding", "match": ["type": "purchase"]], at: 0)
        doc["rules"] = rules
        let file = dir.appending("model.json")
        try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: file))
        let activate = try ctl(["model", "activate", file, "--log", url], data: a)
        #expect(activate.status == 0, "\(activate.stdout)\(activate.stderr)")
        let onB = try ctl(["customer", "cli-1", "--json"], data: b, env: env)
        #expect(onB.status == 0 && onB.stdout.contains(#""stage":"onboarding""#) && onB.stdout.contains(#""modelVersion":"cli-2""#), "\(onB.stdout)\(onB.stderr)")

        // An erasure through b (its writer waits for PostgreSQL off the cooperative threads):
        // the customer is erased for a as well.
        let visitor = try ctl(["append", "--anonymous-id", "v-cli", "--type", "page_view"], data: b, env: env)
        #expect(visitor.status == 0 && visitor.stderr.contains(unsafe), "\(visitor.stdout)\(visitor.stderr)")
        let merge = try ctl(["identity", "merge", "v-cli", "cli-1"], data: b, env: env)
        #expect(merge.status == 0 && merge.stderr.contains(unsafe), "\(merge.stdout)\(merge.stderr)")
        let erase = try ctl(["erase", "cli-1", "--reason", "test"], data: b, env: env)
        #expect(erase.status == 0 && erase.stderr.contains(unsafe), "\(erase.stdout)\(erase.stderr)")
        let erased = try ctl(["append", "--customer", "cli-1", "--type", "login", "--log", url], data: a)
        #expect(erased.status != 0 && erased.stderr.contains("erased"), "\(erased.stdout)\(erased.stderr)")
        // Refusals, exit 2, nothing written: --no-sync, --log with --server, --log on a file command.
        let noSync = try ctl(["ingest", sample, "--no-sync", "--log", url], data: a)
        #expect(noSync.status == 2 && noSync.stderr.contains("--no-sync applies to a lone data folder"), "\(noSync.stderr)")
        let both = try ctl(["stats", "--log", url, "--server", "http://127.0.0.1:9"], data: a)
        #expect(both.status == 2 && both.stderr.contains("--log and --server"), "\(both.stderr)")
        let backup = try ctl(["backup", dir.appending("copy"), "--log", url], data: a)
        #expect(backup.status == 2 && backup.stderr.contains("--log does not apply"), "\(backup.stderr)")
        for command in [["doctor"], ["compact"], ["restore", dir.appending("copy")]] {
            let refused = try ctl(command + ["--log", url], data: command[0] == "restore" ? dir.appending("fresh") : a)
            #expect(refused.status == 2 && refused.stderr.contains("--log does not apply"), "\(command): \(refused.stderr)")
        }
        let badURL = try ctl(["stats", "--log", "postgres://nobody@127.0.0.1:notaport/x"], data: dir.appending("c"))
        #expect(badURL.status == 2 && badURL.stderr.contains("log URL"), "\(badURL.stderr)")
        // The folder without the log: a replica refuses writes of its own.
        let alone = try ctl(["append", "--customer", "cli-2", "--type", "purchase"], data: a)
        #expect(alone.status != 0 && alone.stderr.contains("copy of the log") && alone.stderr.contains("--log"), "\(alone.stderr)")
        #expect(try pg.psql("SELECT count(*) FROM journey_events") == "4004")

        // Folder a as a crash of the machine leaves a replica written unflushed: refused without
        // the log, built again from it with (and flushed commit by commit after that with
        // JOURNEY_SYNC_REPLICA=1, which leaves no file behind either way).
        #expect(!FileManager.default.fileExists(atPath: a + "/replica-unflushed"), "removed by the last process to close it")
        try "another-boot\n".write(toFile: a + "/replica-unflushed", atomically: true, encoding: .utf8)
        let torn = try ctl(["stats", "--json"], data: a)
        #expect(torn.status != 0 && torn.stderr.contains("not flushed to disk before the machine restarted") && torn.stderr.contains("--log"), "\(torn.stderr)")
        let rebuilt = try ctl(["stats", "--json", "--log", url], data: a, env: ["JOURNEY_SYNC_REPLICA": "1"])
        #expect(rebuilt.status == 0 && rebuilt.stdout.contains(#""events":4004"#) && rebuilt.stderr.contains("built again from the log"), "\(rebuilt.stdout)\(rebuilt.stderr)")
        #expect(!FileManager.default.fileExists(atPath: a + "/replica-unflushed"))
        let after = try ctl(["customer", "cli-1", "--json", "--log", url], data: a)
        #expect(after.status == 0 && after.stdout.contains(#""erasedAt":"#) && after.stdout.contains(#""modelVersion":"cli-2""#), "\(after.stdout)\(after.stderr)")
    }

    /// Three `journeyctl ingest --log` processes at once, each through a folder of its own, on
    /// shared customers, one of them sending the other two's events again: every event is in
    /// the log once, positions are 1…n, each customer's versions 1…n, and the chain verifies.
    @Test(.timeLimit(.minutes(3))) func ingestsInSeveralProcessesAtOnce() async throws {
        let pg = try PostgresServer()
        defer { pg.stop() }
        let url = "postgres://\(pg.user)@127.0.0.1:\(pg.port)/\(pg.database)"
        let dir = TemporaryDirectory("cli-log-procs")
        let lines = try String(contentsOfFile: Repository.file("Schemas/examples/sample-events.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let halves = [lines.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), lines.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)]
        var files: [String] = []
        for (i, half) in (halves + [lines.reversed()]).enumerated() {
            let file = dir.appending("part\(i).ndjson")
            try (half.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        // A thread each (not the cooperative pool's two): the three run at the same time.
        let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for (i, file) in files.enumerated() {
                group.addTask {
                    try await withCheckedThrowingContinuation { c in
                        Thread {
                            c.resume(with: Result { try ProcessRunner.journeyctl(["ingest", file, "--batch-size", "300", "--json", "--log", url, "--data", dir.appending("node\(i)")]) })
                        }.start()
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var written = 0, duplicates = 0
        for r in results {
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let summary = try JSONDecoder().decode(IngestSummary.self, from: Data(r.stdout.utf8))
            written += summary.written
            duplicates += summary.duplicates
        }
        #expect(written == lines.count && duplicates == lines.count, "written \(written), duplicates \(duplicates)")
        #expect(try pg.psql("SELECT count(*), count(DISTINCT event_id), min(position), max(position) FROM journey_events") == "\(lines.count)|\(lines.count)|1|\(lines.count)")
        #expect(try pg.psql("SELECT count(*) FROM (SELECT stream FROM journey_events GROUP BY stream HAVING max(version) <> count(*) OR min(version) <> 1) gaps") == "0")
        let verify = try ProcessRunner.journeyctl(["verify", "--log", url, "--data", dir.appending("checker")])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // A record damaged on PostgreSQL, after the replica took it in: verify --log finds it.
        _ = try pg.psql("UPDATE journey_events SET record = overlay(record placing '\\xff'::bytea from 40 for 1) WHERE position = 7")
        let damaged = try ProcessRunner.journeyctl(["verify", "--log", url, "--data", dir.appending("checker")])
        #expect(damaged.status == 1 && (damaged.stdout + damaged.stderr).contains("the log on PostgreSQL") && (damaged.stdout + damaged.stderr).contains("position 7"),
                "\(damaged.stdout)\(damaged.stderr)")
    }
}
