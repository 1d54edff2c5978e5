import Foundation
import JourneyPostgres
import JourneyStore
import Synchronization

extension Benchmarks {
    /// The load of the failover test (`.ci/pg-failover/run`), not a benchmark: `writers` tasks
    /// append batches of 50 events with fresh ids to the PostgreSQL log, through a node's
    /// replica in the work folder (encrypted unless `--unencrypted`), for `--seconds`, each
    /// retrying a batch that fails with `log_unavailable` (same ids) until it is acknowledged.
    /// The time of every acknowledgement goes to `--acks` (milliseconds since 1970, one a line),
    /// so the script can tell when appends resumed after its kill. At the end it checks the log:
    /// every acknowledged event there exactly once, positions gapless, the chain whole. Exits 1
    /// when a check fails.
    func failoverLoad(server: String, writers: Int = 4) async throws {
        let upstream = try await connectRetrying(try PostgresLog.Configuration(url: server))
        let dir = options.work + "/pg-failover-node"
        try? FileManager.default.removeItem(atPath: dir)
        let log = try await upstream.openReplica(configuration(dir))
        let acks = try AckFile(options.acks)
        let deadline = Date().addingTimeInterval(options.seconds)
        let started = Date()
        let results = try await withThrowingTaskGroup(of: (ids: [String], retries: Int, unknown: Int).self) { group in
            for w in 0..<writers {
                group.addTask {
                    var ids: [String] = [], retries = 0, unknown = 0, b = 0
                    while Date() < deadline {
                        let batch = (0..<50).map { k in
                            NewEvent(id: "w\(w)-b\(b)-\(k)", customerId: "c\((w * 7919 + b * 50 + k) % 5_000)", type: "page_view",
                                     occurredAt: Timestamp.now())
                        }
                        while true {
                            do {
                                let r = try await log.append(batch)
                                ids += r.events.map(\.id)
                                acks.record()
                                break
                            } catch {
                                // Retrying stops a minute after the load's end: no primary for that long fails the test.
                                guard let e = error as? StoreError, e.code == .unavailable, Date() < deadline.addingTimeInterval(60) else { throw error }
                                if e.message.contains("may or may not") { unknown += 1 }
                                retries += 1
                                try await Task.sleep(for: .milliseconds(100))
                            }
                        }
                        b += 1
                    }
                    return (ids, retries, unknown)
                }
            }
            return try await group.reduce(into: [(ids: [String], retries: Int, unknown: Int)]()) { $0.append($1) }
        }
        let seconds = Date().timeIntervalSince(started)
        acks.close()
        let acknowledged = results.flatMap { $0.ids }
        let retries = results.map { $0.retries }.reduce(0, +), unknown = results.map { $0.unknown }.reduce(0, +)
        print("acknowledged \(acknowledged.count) events in \(String(format: "%.1f", seconds)) s by \(writers) writers; \(retries) retried appends (\(unknown) with an unknown outcome)")

        // The log, read back from the primary of now.
        log.close()
        let reader = upstream.log
        var present: [String: Int] = [:]
        var position: UInt64 = 1, gaps = 0
        while true {
            let events = try await reader.readLog(from: position, limit: 10_000)
            for e in events {
                if e.position != position { gaps += 1 }
                present[e.id, default: 0] += 1
                position = e.position + 1
            }
            if events.count < 10_000 { break }
        }
        let missing = acknowledged.filter { present[$0] == nil }
        let twice = present.filter { $0.value > 1 }.count
        let verify = try await reader.verify()
        await upstream.close()
        print("the log: \(position - 1) events, \(missing.count) acknowledged missing, \(twice) twice, \(gaps) gaps; verify: \(verify.problem ?? "ok")")
        if !missing.isEmpty || twice > 0 || gaps > 0 || verify.problem != nil || Set(acknowledged).count != acknowledged.count {
            print("FAILED: the log does not hold every acknowledged event exactly once, gapless and chained")
            exit(1)
        }
    }

    /// Opens the log, retrying while no primary is there yet (a cluster still starting).
    private func connectRetrying(_ configuration: PostgresLog.Configuration) async throws -> PostgresUpstream {
        var attempts = 0
        while true {
            do {
                return try await PostgresUpstream(configuration)
            } catch {
                guard error.code == .unavailable || error.code == .storage, attempts < 100 else { throw error }
                attempts += 1
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// The times of the acknowledged appends, one line each, written as they come.
final class AckFile: Sendable {
    private let handle: Mutex<FileHandle?>

    init(_ path: String?) throws {
        guard let path else { handle = Mutex(nil); return }
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw BenchError("--acks: cannot write \(path)")
        }
        handle = Mutex(h)
    }

    /// Writes the time now, in milliseconds since 1970.
    func record() {
        let line = "\(Int(Date().timeIntervalSince1970 * 1000))\n"
        handle.withLock { $0?.write(Data(line.utf8)) }
    }

    func close() { handle.withLock { try? $0?.close(); $0 = nil } }
}
