import Foundation
import JourneyPostgres
import JourneyStore

extension Benchmarks {
    /// NDJSON into the PostgreSQL log (unencrypted: encryption is not there yet), 1,000 events a
    /// batch, two appenders (their batches serialise on the head row; the second overlaps
    /// parsing and the round trips). Into an empty database: run it against a fresh server.
    func postgresIngest(_ dataset: String, server: String, note: String) async throws {
        let configuration: PostgresLog.Configuration
        if server.contains("://") {
            configuration = try PostgresLog.Configuration(url: server)
        } else {
            let parts = server.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else { throw BenchError("--postgres: expected a postgres:// URL or HOST:PORT, got \(server)") }
            configuration = .init(host: String(parts[0]), port: port, username: "journey", database: "postgres")
        }
        let log = try await PostgresLog(configuration)
        let data = try Data(contentsOf: URL(fileURLWithPath: dataset))
        let parser = EventParser()
        var batches: [[NewEvent]] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var lines = 0, from = 0
            for i in 0..<raw.count where raw[i] == 0x0A {
                lines += 1
                if lines == 1_000 {
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
            for t in 0..<2 {
                group.addTask {
                    var n = 0
                    for b in stride(from: t, to: all.count, by: 2) { n += try await log.append(all[b]).written }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = Date().timeIntervalSince(started)
        let verify = try await log.verify()
        await log.close()
        report("NDJSON into the PostgreSQL log, 1,000 a batch", written, seconds,
               extra: "  (\(note); verify: \(verify.problem ?? "ok, \(verify.checked) events"))")
    }
}
