import Foundation
import JourneyPostgres
import JourneyStore

extension Benchmarks {
    /// NDJSON into the PostgreSQL log through a node's replica (encrypted unless
    /// `--unencrypted`), 1,000 events a batch from `--appenders` tasks (default 4; batches queued
    /// together share a commit), then 64 writers of single events for `--seconds` through group
    /// commit. Into an empty database: run it against a fresh server.
    func postgresIngest(_ dataset: String, server: String, note: String) async throws {
        let configuration: PostgresLog.Configuration
        if server.contains("://") {
            configuration = try PostgresLog.Configuration(url: server)
        } else {
            let parts = server.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else { throw BenchError("--postgres: expected a postgres:// URL or HOST:PORT, got \(server)") }
            configuration = .init(host: String(parts[0]), port: port, username: "journey", database: "postgres")
        }
        let upstream = try await PostgresUpstream(configuration)
        let dir = options.work + "/pg-node"
        try? FileManager.default.removeItem(atPath: dir)
        let log = try await upstream.openReplica(self.configuration(dir))
        let data = try Data(contentsOf: URL(fileURLWithPath: dataset))
        let parser = EventParser()
        var batches: [[NewEvent]] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var lines = 0, from = 0
            for i in 0..<raw.count where raw[i] == 0x0A {
                lines += 1
                if lines == options.pgBatch {
                    batches.append(try parser.parseNDJSON(UnsafeRawBufferPointer(rebasing: raw[from...i])))
                    from = i + 1
                    lines = 0
                }
            }
            if from < raw.count { batches.append(try parser.parseNDJSON(UnsafeRawBufferPointer(rebasing: raw[from..<raw.count]))) }
        }
        let all = batches
        let started = Date()
        let written = try await withThrowingTaskGroup(of: Int.self) { group in
            let appenders = options.appenders
            for t in 0..<appenders {
                group.addTask {
                    var n = 0
                    for b in stride(from: t, to: all.count, by: appenders) { n += try await log.append(all[b]).written }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = Date().timeIntervalSince(started)
        let verify = try await upstream.log.verify()
        let bulk = log.writerMetrics
        report("NDJSON into the PostgreSQL log, \(options.pgBatch) a batch, \(options.appenders) appenders", written, seconds,
               extra: "  (\(note); \(encrypted ? "encrypted" : "unencrypted"); \(bulk.requests) batches in \(bulk.commits) commits; verify: \(verify.problem ?? "ok, \(verify.checked) events"))")
        try await singleEventAppends(log, note: note)
        log.close()
        await upstream.close()
    }

    /// 64 tasks appending one event at a time for `--seconds`, as 64 HTTP clients would.
    private func singleEventAppends(_ log: EventStore, note: String) async throws {
        let m0 = log.writerMetrics
        let deadline = Date().addingTimeInterval(options.seconds)
        let started = Date()
        let written = try await withThrowingTaskGroup(of: Int.self) { group in
            for w in 0..<64 {
                group.addTask {
                    var n = 0
                    while Date() < deadline {
                        n += try await log.append([NewEvent(id: "single-\(w)-\(n)", customerId: "s\(w * 7919 + n)", type: "page_view", occurredAt: Timestamp.now())]).written
                    }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = Date().timeIntervalSince(started)
        let m1 = log.writerMetrics
        report("single-event appends, 64 writers", written, seconds,
               extra: String(format: "  (%@; %.1f events a commit)", note, Double(m1.requests - m0.requests) / Double(max(1, m1.commits - m0.commits))))
    }
}
