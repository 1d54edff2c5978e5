import Foundation
import JourneyJSON
import JourneyPostgres
import JourneyStore
import JourneyTestSupport
import Testing

/// Nodes' replicas of one log on PostgreSQL: what one node writes (visitors, links, merges,
/// erasures, keys) every other node has, byte for byte; a replica never mixes logs or keys.
@Suite struct ReplicaTests {
    static func json(_ events: [StoredEvent]) -> [String] { events.map(\.json) }

    @Test func visitorsLinksMergesAndErasuresReachEveryNode() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let a = try await Node(server), b = try await Node(server)
        let plan = try JSONObjectText(validating: #"{"plan":"pro"}"#)
        _ = try await a.append([NewEvent(id: "v1-view", customerId: nil, anonymousId: "v1", type: "page_view", properties: plan)])
        _ = try await b.append([NewEvent(id: "v2-view", customerId: nil, anonymousId: "v2", type: "page_view")])
        // A link made on B, from what A wrote: B's checks see A's visitor.
        _ = try await b.append([NewEvent(id: "c1-signup", customerId: "c1", anonymousId: "v1", type: "signup", properties: plan)])
        try await a.store.catchUpFully()
        #expect(try await a.store.merge(.anonymous("v2"), into: .customer("c1"), by: "test") != nil)
        try await b.store.catchUpFully()
        #expect(try b.store.identities(of: .customer("c1")).map(\.id).sorted() == ["c1", "v1", "v2"])
        #expect(try a.store.identities(of: .customer("c1")) == b.store.identities(of: .customer("c1")))
        // Erased on B: A's key cache learns it when it takes the erasure in.
        #expect(try a.store.readStream(.anonymous("v1"), from: nil, backward: false, limit: 10).first?.properties?.description == #"{"plan":"pro"}"#)
        _ = try await b.store.erase("c1", by: "test", reason: "asked")
        try await a.store.catchUpFully()
        #expect(try a.store.readStream(.anonymous("v1"), from: nil, backward: false, limit: 10).first?.properties == nil, "sealed under a destroyed key")
        await #expect {
            _ = try await a.append([NewEvent(id: "c1-again", customerId: "c1", type: "login", properties: plan)])
        } throws: { error in
            (error as? StoreError)?.code == .customerErased
        }
        let erasedA = try a.store.erasures(), erasedB = try b.store.erasures()
        #expect(erasedA == erasedB && erasedA.map(\.customerId).contains("c1"), "\(erasedA) \(erasedB)")
        // The two replicas are the same log, and each verifies (seals included).
        let logA = try await a.readLog(), logB = try await b.readLog()
        #expect(logA.count == 5 && Self.json(logA) == Self.json(logB))
        for n in [a, b] {
            let v = try n.store.verify(sealed: true)
            #expect(v.problem == nil && v.checked == 5, "\(v.problem ?? "")")
        }
        #expect(try await a.verify().problem == nil)
        await a.close()
        await b.close()
    }

    /// A node started after the log holds more than one catch-up's worth builds its replica from
    /// the log by itself; a node restarted on its folder takes in only what it lacks.
    @Test func aNewNodeBuildsItsReplicaFromTheLog() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let a = try await Node(server)
        for b in 0..<25 {
            _ = try await a.append((0..<1_000).map { k in NewEvent(id: "e\(b)-\(k)", customerId: "c\(k % 300)", type: "page_view") })
        }
        let c = try await Node(server)
        #expect(try c.store.headPosition() == 25_000, "built from the log when it opened")
        #expect(try c.store.verify(sealed: true).problem == nil)
        #expect(try c.store.streamVersion("c7") == a.store.streamVersion("c7"))
        let folder = c.folder
        await c.close()
        _ = try await a.append([NewEvent(id: "late", customerId: "c7", type: "purchase")])
        let again = try await Node(PostgresLog.Configuration(port: server.port, username: server.user, database: server.database), folder: folder)
        #expect(try again.store.headPosition() == 25_001 && again.store.streamVersion("c7") == a.store.streamVersion("c7"))
        // Its next append follows the log: the head lock, then what it lacked, then its own.
        #expect(try await again.append([NewEvent(id: "next", customerId: "c7", type: "login")]).events.first?.position == 25_002)
        await again.close()
        await a.close()
    }

    /// A large group goes up in pieces while the writer applies the rest (records sent ahead of
    /// the commit), and is still one commit: all of it or, when PostgreSQL refuses a piece,
    /// nothing, in the log and in the replica; a replica whose map grows after pieces went up
    /// starts its PostgreSQL transaction again.
    @Test func aLargeAppendGoesUpInPiecesAndCommitsWhole() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        // A first map that fills after the first pieces went up: the map grows, and the group
        // runs again in a new PostgreSQL transaction.
        let a = try await Node(server) { $0.initialMapSize = 3 << 20 }
        let padding = try JSONObjectText(validating: #"{"pad":"\#(String(repeating: "x", count: 200))"}"#)
        func batch(_ tag: String, _ count: Int) -> [NewEvent] {
            (0..<count).map { k in NewEvent(id: "\(tag)-\(k)", customerId: "c\(k % 700)", type: "page_view", properties: padding) }
        }
        let first = try await a.append(batch("one", 12_000))
        #expect(first.written == 12_000 && first.headPosition == 12_000)
        #expect(try server.psql("SELECT count(*), max(head) FROM journey_commits") == "1|12000", "one commit")
        #expect(try server.psql("SELECT count(*), max(position) FROM journey_events") == "12000|12000")
        #expect(try a.store.statistics().mapSizeBytes > 3 << 20, "the map grew during the append")
        // An event id PostgreSQL holds outside any commit: the statement holding it is refused by
        // the unique index, once in a piece sent ahead (position 14,001, the first piece) and once
        // in the commit's own statement (21,001, after the second piece); each time the whole
        // append fails.
        for planted in ["two-2000", "two-9000"] {
            _ = try server.psql("INSERT INTO journey_events VALUES (-1, '\(planted)', '\\x00'::bytea, 0, '\\x00'::bytea)")
            await #expect {
                _ = try await a.append(batch("two", 12_000))
            } throws: { error in
                (error as? StoreError)?.code == .storage && "\(error)".contains("journey_events")
            }
            #expect(try server.psql("SELECT count(*), max(position) FROM journey_events WHERE position > 0") == "12000|12000", "nothing of it in the log")
            #expect(try a.store.headPosition() == 12_000, "nor in the replica")
            _ = try server.psql("DELETE FROM journey_events WHERE position = -1")
        }
        #expect(try await a.append(batch("two", 12_000)).events.last?.position == 24_000)
        // Another node takes both commits in and has the same log.
        let b = try await Node(server)
        #expect(try b.store.headPosition() == 24_000 && b.store.verify(sealed: true).problem == nil)
        #expect(try b.store.streamVersion("c7") == a.store.streamVersion("c7"))
        #expect(try await a.verify().problem == nil)
        await a.close()
        await b.close()
    }

    @Test func aReplicaRefusesWhatIsNotItsLog() async throws {
        let server = try PostgresServer(), other = try PostgresServer()
        defer { server.stop(); other.stop() }
        let a = try await Node(server)
        _ = try await a.append([NewEvent(id: "x", customerId: "c1", type: "signup")])
        let config = PostgresLog.Configuration(port: server.port, username: server.user, database: server.database)
        func refusal(_ open: () async throws -> Void) async -> StoreError? {
            do { try await open(); return nil } catch { return error as? StoreError }
        }
        // A folder holding a store of its own.
        let own = TemporaryDirectory("own-store")
        let lone = try EventStore(testKeyed: own.appending("data"))
        _ = try lone.appendBlocking([NewEvent(customerId: "c9", type: "signup")])
        lone.close()
        let e1 = await refusal { _ = try await Node(config, folder: own) }
        #expect(e1?.code == .invalidArgument && e1?.message.contains("holds a store of its own (1 events)") == true, "\(String(describing: e1))")
        #expect(!FileManager.default.fileExists(atPath: own.appending("data") + "/replica-unflushed"), "a lone store is never marked as a replica written unflushed")
        // Another master key, or none.
        let e2 = await refusal {
            let u = try await PostgresUpstream(config)
            defer { Task { await u.close() } }
            var s = StoreConfiguration(directory: TemporaryDirectory("other-key").appending("data"))
            s.masterKey = MasterKey.generate()
            _ = try await u.openReplica(s)
        }
        #expect(e2?.code == .masterKeyWrong, "\(String(describing: e2))")
        let e3 = await refusal { _ = try await Node(config, encrypted: false) }
        #expect(e3?.code == .masterKeyMissing, "\(String(describing: e3))")
        // The replica of this log, opened against another log.
        await a.close()
        let e5 = await refusal {
            _ = try await Node(PostgresLog.Configuration(port: other.port, username: other.user, database: other.database), folder: a.folder)
        }
        #expect(e5?.code == .invalidArgument && e5?.message.contains("the copy of another log") == true, "\(String(describing: e5))")
        // The replica's folder opened as a plain store (the CLI beside a node): reads, no writes.
        let plain = try EventStore(testKeyed: a.folder.appending("data"))
        #expect(try plain.readLog(from: nil, backward: false, limit: 10).map(\.id) == ["x"])
        let e6 = await refusal { _ = try await plain.append([NewEvent(customerId: "c2", type: "signup")]) }
        #expect(e6?.code == .invalidArgument && e6?.message.contains("a node's copy of the log") == true, "\(String(describing: e6))")
        plain.close()
    }
}
