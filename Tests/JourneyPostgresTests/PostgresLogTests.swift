import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JourneyPostgres
import JourneyJSON
import JourneyStore
import JourneyTestSupport
import Synchronization
import Testing

/// The PostgreSQL log against a real PostgreSQL 15 started by the test, through nodes' replicas
/// (encrypted): the LMDB log's guarantees for appends and reads.
@Suite struct PostgresLogTests {
    /// A node on `server` (a connect timeout for a loaded machine: the suite's servers all start
    /// at once on two cores, and a first handshake has taken over 3 s).
    static func open(_ server: PostgresServer) async throws -> Node {
        try await Node(server)
    }

    static func event(_ customer: String, _ type: String, id: String? = nil, nps: Int? = nil) -> NewEvent {
        NewEvent(id: id, customerId: customer, type: type, occurredAt: Timestamp(rfc3339: "2026-03-01T10:00:00Z"),
                 properties: nps.flatMap { try? JSONObjectText(validating: #"{"nps":\#($0)}"#) })
    }

    @Test func appendsReadBackWithPositionsVersionsAndTheChain() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let log = try await Self.open(server)
        // No synchronous standby here: said when a node opens.
        let warning = try await log.upstream.log.durabilityWarning()
        #expect(warning?.contains("synchronous_standby_names is empty") == true, "\(String(describing: warning))")
        let r = try await log.append([Self.event("a", "signup", id: "e1"), Self.event("b", "signup", id: "e2"), Self.event("a", "purchase", id: "e3", nps: 9)])
        #expect(r.events.map(\.position) == [1, 2, 3] && r.events.map(\.version) == [1, 1, 2] && r.headPosition == 3)
        let r2 = try await log.append([Self.event("b", "purchase", id: "e4")])
        #expect(r2.events.first?.position == 4 && r2.events.first?.version == 2)
        let all = try await log.readLog()
        #expect(all.map(\.id) == ["e1", "e2", "e3", "e4"] && all.map(\.position) == [1, 2, 3, 4])
        #expect(all[2].properties?.description == #"{"nps":9}"#)
        #expect(try await log.readStream("a").map(\.id) == ["e1", "e3"])
        #expect(try await log.headPosition() == 4)
        let v = try await log.verify()
        #expect(v.checked == 4 && v.problem == nil, "\(v.problem ?? "")")
        await log.close()
        // Reopened: the same log (the tables exist, the head row is kept).
        let again = try await Self.open(server)
        #expect(try await again.append([Self.event("c", "signup", id: "e5")]).events.first?.position == 5)
        #expect(try await again.verify().problem == nil)
        await again.close()
    }

    @Test func idempotencyConflictsAndExpectedVersions() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let log = try await Self.open(server)
        _ = try await log.append([Self.event("a", "signup", id: "x1"), Self.event("a", "purchase", id: "x2")])
        // The same events again: duplicates, same positions, nothing written.
        let again = try await log.append([Self.event("a", "signup", id: "x1"), Self.event("a", "purchase", id: "x2")])
        #expect(again.events.allSatisfy(\.duplicate) && again.events.map(\.position) == [1, 2])
        // The same id, other content: refused, the whole batch with it.
        await #expect {
            _ = try await log.append([Self.event("a", "login", id: "x3"), Self.event("a", "refund", id: "x1")])
        } throws: { error in
            let e = error as? StoreError
            return e?.code == .eventIdConflict && e?.index == 1
        }
        #expect(try await log.headPosition() == 2, "nothing of the refused batch was written")
        // Expected versions.
        #expect(try await log.append([Self.event("a", "login", id: "x4")], expectations: ["a": .exact(2)]).events.first?.version == 3)
        await #expect {
            _ = try await log.append([Self.event("a", "login", id: "x5")], expectations: ["a": .exact(2)])
        } throws: { error in
            (error as? StoreError)?.code == .wrongExpectedVersion
        }
        #expect(try await log.append([Self.event("new", "signup", id: "x6")], expectations: ["new": .noStream]).events.first?.version == 1)
        // A repeated id within one batch is one event.
        let twice = try await log.append([Self.event("b", "signup", id: "x7"), Self.event("b", "signup", id: "x7")])
        #expect(twice.events.map(\.position) == [5, 5] && twice.events.map(\.duplicate) == [false, true])
        // Bad input: refused naming the event and the field, nothing written.
        var bad = Self.event("b", "signup", id: "x8")
        bad.sentiment = 2
        await #expect {
            _ = try await log.append([Self.event("b", "login", id: "x9"), bad])
        } throws: { error in
            let e = error as? StoreError
            return e?.code == .invalidEvent && e?.field == "sentiment" && e?.index == 1
        }
        #expect(try await log.headPosition() == 5)
        #expect(try await log.verify().problem == nil)
        await log.close()
    }

    /// Two logs (two connection pools, as two processes would have), four writers each, on
    /// shared customers: every acknowledged event is there once, positions are gapless in commit
    /// order, each customer's versions are 1…n, and the chain verifies.
    @Test func concurrentWritersFromTwoPools() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let logs = [try await Self.open(server), try await Self.open(server)]
        let ids = try await withThrowingTaskGroup(of: [String].self) { group in
            for (l, log) in logs.enumerated() {
                for w in 0..<4 {
                    group.addTask {
                        var acknowledged: [String] = []
                        for b in 0..<15 {
                            let batch = (0..<10).map { k in Self.event("c\((w + b + k) % 7)", "page_view", id: "l\(l)-w\(w)-b\(b)-\(k)") }
                            acknowledged += try await log.append(batch).events.map(\.id)
                        }
                        return acknowledged
                    }
                }
            }
            return try await group.reduce([], +)
        }
        #expect(ids.count == 2 * 4 * 15 * 10)
        let all = try await logs[0].readLog(limit: 10_000)
        #expect(all.map(\.position) == Array(1...UInt64(ids.count)))
        #expect(Set(all.map(\.id)) == Set(ids))
        for c in 0..<7 {
            let stream = try await logs[1].readStream("c\(c)")
            #expect(stream.map(\.version) == Array(1...UInt64(stream.count)))
        }
        let v = try await logs[1].verify()
        #expect(v.checked == UInt64(ids.count) && v.problem == nil, "\(v.problem ?? "")")
        for log in logs { await log.close() }
    }

    @Test func logURLs() throws {
        let c = try PostgresLog.Configuration(url: "postgres://journey:s%40cret@10.0.0.1:5433,db2,db3:6000/events")
        #expect(c.hosts.map(\.description) == ["10.0.0.1:5433", "db2:5432", "db3:6000"])
        #expect(c.username == "journey" && c.password == "s@cret" && c.database == "events")
        #expect(PostgresLog.Configuration.redacted("postgres://journey:s%40cret@db/events") == "postgres://journey:***@db/events")
        for (url, says) in [("mysql://u@h/d", "not a postgres:// URL"), ("postgres://h/d", "no user"), ("postgres://u@h", "no database"),
                            ("postgres://u@h:0/d", "port \"0\""), ("postgres://u:pw@h:x/d", "port \"x\""), ("postgres://u@h,,g/d", "host \"\"")] {
            #expect {
                _ = try PostgresLog.Configuration(url: url)
            } throws: { error in
                let e = error as? StoreError
                return e?.code == .invalidArgument && e?.message.contains(says) == true && e?.message.contains("pw") == false
            }
        }
    }

    /// A primary with a synchronous standby; the log is given both hosts, the standby first, and
    /// finds the primary. Four writers append while the primary is killed: their appends fail
    /// quickly with `log_unavailable` and are retried with the same ids; the standby is promoted,
    /// and the same log (no restart) finds it. Every acknowledged event is on the promoted
    /// standby once, positions gapless, the chain whole.
    @Test func aPromotedStandbyHasEveryAcknowledgedAppend() async throws {
        let primary = try PostgresServer(settings: ["synchronous_standby_names='*'"])
        defer { primary.stop() }
        let standby = try PostgresServer(standbyOf: primary)
        defer { standby.stop() }
        var configuration = PostgresLog.Configuration(hosts: [.init(host: "127.0.0.1", port: standby.port), .init(host: "127.0.0.1", port: primary.port)],
                                                      username: primary.user, database: primary.database)
        configuration.connectTimeout = .seconds(30)
        let log = try await Node(configuration)
        #expect(try await log.upstream.log.durabilityWarning() == nil)
        struct Tally { var acknowledged: [String] = [], batches = 0, unavailable = 0, slowestFailure: Duration = .zero, other: [String] = [], stop = false }
        final class Shared: Sendable { let tally = Mutex(Tally()) }
        let shared = Shared()
        var writers: [Task<Void, Never>] = []
        for w in 0..<4 {
            writers.append(Task {
                var b = 0
                while !shared.tally.withLock({ $0.stop }) {
                    let batch = (0..<20).map { k in Self.event("c\((w + b + k) % 9)", "page_view", id: "w\(w)-b\(b)-\(k)") }
                    while !shared.tally.withLock({ $0.stop }) {
                        let started = ContinuousClock.now
                        do {
                            let r = try await log.append(batch)
                            shared.tally.withLock { $0.acknowledged += r.events.map(\.id); $0.batches += 1 }
                            break
                        } catch {
                            let took = ContinuousClock.now - started
                            let code = (error as? StoreError)?.code
                            shared.tally.withLock { t in
                                if code == .unavailable { t.unavailable += 1; t.slowestFailure = max(t.slowestFailure, took) } else { t.other.append("\(error)") }
                            }
                            if code != .unavailable { return }
                            try? await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    b += 1
                }
            })
        }
        func waitFor(batches n: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while shared.tally.withLock({ $0.batches }) < n && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        }
        try await waitFor(batches: 20)
        #expect(try primary.psql("SELECT sync_state FROM pg_stat_replication") == "sync", "the standby is synchronous")
        try primary.kill()
        let before = shared.tally.withLock { $0.batches }
        try await Task.sleep(for: .milliseconds(300))
        try standby.promote()
        try await waitFor(batches: shared.tally.withLock { $0.batches } + 20)
        shared.tally.withLock { $0.stop = true }
        for w in writers { await w.value }
        let t = shared.tally.withLock { $0 }
        #expect(t.other.isEmpty, "\(t.other)")
        #expect(t.batches >= before + 20, "appends resumed on the promoted standby (\(t.batches) batches, \(before) before the kill)")
        #expect(t.unavailable > 0 && t.slowestFailure < .seconds(30), "\(t.unavailable) unavailable, the slowest failure took \(t.slowestFailure)")
        let all = try await log.readLog(limit: 100_000)
        #expect(all.count == Set(t.acknowledged).count && Set(all.map(\.id)) == Set(t.acknowledged))
        #expect(all.map(\.position) == Array(1...UInt64(all.count)))
        let v = try await log.verify()
        #expect(v.problem == nil, "\(v.problem ?? "")")
        await log.close()
    }

    /// Forty appends at once share transactions (group commit), and each still succeeds or fails
    /// on its own: conflicts and wrong expected versions fail only their append, the same new id
    /// sent by ten appends is written once, and the log holds exactly the appends that succeeded.
    @Test func groupedAppendsSucceedOrFailEachOnTheirOwn() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let log = try await Self.open(server)
        _ = try await log.append([Self.event("a", "signup", id: "g0")])
        let outcomes = await withTaskGroup(of: (Int, Result<AppendResult, StoreError>).self) { group in
            for i in 0..<40 {
                group.addTask {
                    do {
                        switch i % 4 {
                        case 0: return (i, .success(try await log.append([Self.event("c\(i)", "page_view", id: "n\(i)")])))
                        case 1: return (i, .success(try await log.append([Self.event("b\(i)", "page_view", id: "m\(i)"), Self.event("a", "login", id: "g0")])))
                        case 2: return (i, .success(try await log.append([Self.event("d", "page_view", id: "same")])))
                        default: return (i, .success(try await log.append([Self.event("e\(i)", "page_view", id: "v\(i)")], expectations: ["a": .exact(99)])))
                        }
                    } catch {
                        return (i, .failure(error as? StoreError ?? StoreError(.storage, "\(error)")))
                    }
                }
            }
            return await group.reduce(into: [Int: Result<AppendResult, StoreError>]()) { $0[$1.0] = $1.1 }
        }
        var positions: [UInt64] = []
        var same: [AppendedEvent] = []
        for (i, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
            switch (i % 4, outcome) {
            case (0, .success(let r)): positions.append(r.events[0].position)
            case (1, .failure(let e)): #expect(e.code == .eventIdConflict && e.index == 1, "\(i): \(e)")
            case (2, .success(let r)): same.append(r.events[0])
            case (3, .failure(let e)): #expect(e.code == .wrongExpectedVersion, "\(i): \(e)")
            default: Issue.record("append \(i): unexpected \(outcome)")
            }
        }
        #expect(positions.count == 10 && Set(positions).count == 10)
        #expect(same.count == 10 && Set(same.map(\.position)).count == 1 && same.filter { !$0.duplicate }.count == 1)
        let all = try await log.readLog(limit: 100)
        #expect(all.count == 12 && all.map(\.position) == Array(1...12))
        #expect(Set(all.map(\.id)) == Set(["g0", "same"] + (0..<10).map { "n\($0 * 4)" }))
        #expect(try await log.readStream("a").map(\.id) == ["g0"], "nothing of a failed append was written")
        #expect(try await log.verify().problem == nil)
        await log.close()
    }

    /// The notice a node logs when it opens on a primary that keeps too few WAL segments to
    /// recycle: PostgreSQL's defaults (`min_wal_size` 80 MB) get it; `min_wal_size` 2 GB with
    /// `max_wal_size` 512 MB (which caps it) too; both at 1 GB or more, none.
    @Test func aNoticeWhenThePrimaryKeepsFewWALSegments() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let log = try await Self.open(server)
        /// The notice once the reloaded settings show (each call asks a pooled connection,
        /// which applies a reload before its next statement; bounded for a loaded machine).
        func notice(until done: (String?) -> Bool) async throws -> String? {
            let deadline = ContinuousClock.now + .seconds(20)
            while true {
                let n = try await log.upstream.log.tuningNotice()
                if done(n) || ContinuousClock.now > deadline { return n }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let defaults = try await log.upstream.log.tuningNotice()
        #expect(defaults?.contains("keeps at most 80 MB of used WAL segments") == true, "\(String(describing: defaults))")
        for setting in ["ALTER SYSTEM SET min_wal_size = '2GB'", "ALTER SYSTEM SET max_wal_size = '512MB'", "SELECT pg_reload_conf()"] {
            _ = try server.psql(setting)
        }
        let capped = try await notice { $0?.contains("min_wal_size 2048 MB") == true }
        #expect(capped?.contains("keeps at most 512 MB") == true, "\(String(describing: capped))")
        for setting in ["ALTER SYSTEM SET max_wal_size = '4GB'", "SELECT pg_reload_conf()"] { _ = try server.psql(setting) }
        #expect(try await notice { $0 == nil } == nil)
        await log.close()
    }

    /// A statement PostgreSQL refuses inside an append's transaction (a row put at a position
    /// the append needs, by hand: the primary key refuses the append's insert) rolls the whole
    /// transaction back: the append fails with PostgreSQL's reason, nothing of it is in the log
    /// or the replica, and once the row is gone both appends are written. Once in a piece sent
    /// ahead of a large append's commit, once in the commit's own statement.
    @Test func aRefusedStatementRollsTheAppendBack() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let log = try await Self.open(server)
        _ = try await log.append((1...3).map { Self.event("a", "page_view", id: "r\($0)") })
        let large = (1...5_000).map { Self.event("c\($0 % 50)", "page_view", id: "big\($0)") }
        for squatter in [10, 4] {
            _ = try server.psql("INSERT INTO journey_events VALUES (\(squatter), 'squatter', '\\x00', 1, '\\x00')")
            do {
                _ = try await log.append(squatter == 10 ? large : [Self.event("b", "signup", id: "after")])
                Issue.record("an append over a taken position succeeded")
            } catch {
                #expect(error.code == .storage && error.message.contains("journey_events_pkey"), "\(error)")
            }
            #expect(try server.psql("SELECT position FROM journey_head").trimmingCharacters(in: .whitespacesAndNewlines) == "3")
            #expect(try server.psql("SELECT count(*) FROM journey_events").trimmingCharacters(in: .whitespacesAndNewlines) == "4")
            #expect(try log.store.headPosition() == 3)
            _ = try server.psql("DELETE FROM journey_events WHERE event_id = 'squatter'")
        }
        let r = try await log.append(large)
        #expect(r.events.first?.position == 4 && r.headPosition == 5_003)
        #expect(try await log.append([Self.event("b", "signup", id: "after")]).events.first?.position == 5_004)
        #expect(try await log.readLog().map(\.position) == Array(1...5_004))
        #expect(try await log.verify().problem == nil)
        await log.close()
    }

    /// Hosts that do not answer: one that accepts connections and never completes the handshake
    /// is skipped after the connect timeout; a primary that goes silent under open connections
    /// (every process stopped with SIGSTOP) fails the call after the call timeout with
    /// `log_unavailable`, instead of holding it for as long as TCP retries; once it answers again
    /// the log goes on.
    @Test(.timeLimit(.minutes(1))) func hostsThatDoNotAnswer() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        // A listener that never answers.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        #expect(bound)
        let silentPort = Int(UInt16(bigEndian: addr.sin_port))
        var configuration = PostgresLog.Configuration(hosts: [.init(host: "127.0.0.1", port: silentPort), .init(host: "127.0.0.1", port: server.port)],
                                                      username: server.user, database: server.database)
        // Bounds with room for a loaded machine (the whole suite runs at once on two cores): what
        // is tested is that the calls end, not how fast.
        configuration.connectTimeout = .seconds(4)
        configuration.callTimeout = .seconds(6)
        let opening = ContinuousClock.now
        let log = try await Node(configuration)
        // 30 s: the whole suite at once (`swift test` unfiltered, not CI's order) took 22–25 s here;
        // a host not skipped would hold the opening for TCP's retries (minutes).
        #expect(ContinuousClock.now - opening < .seconds(30), "the silent host was skipped after the connect timeout")
        _ = try await log.append([Self.event("a", "signup", id: "s1")])

        try server.signalAll(SIGSTOP)
        let stopped = ContinuousClock.now
        await #expect {
            _ = try await log.append([Self.event("a", "login", id: "s2")])
        } throws: { error in
            (error as? StoreError)?.code == .unavailable
        }
        #expect(ContinuousClock.now - stopped < .seconds(25), "the call ended after the call timeout")
        try server.signalAll(SIGCONT)
        var attempts = 0, done = false
        while !done {
            do {
                _ = try await log.append([Self.event("a", "login", id: "s2")])
                done = true
            } catch {
                guard error.code == .unavailable, attempts < 50 else { throw error }
                attempts += 1
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(try await log.readStream("a").map(\.id) == ["s1", "s2"])
        await log.close()
    }
}
