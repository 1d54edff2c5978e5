import Foundation
import Testing
@testable import JourneyCore
@testable import JourneyStore
import JourneyTestSupport
import LMDBKit

/// The views in their own LMDB environment beside the log: where they are, that the two
/// writers do not wait for each other, the move out of a store made before, and views that do
/// not belong to the log they are opened with.
@Suite struct ViewsEnvironmentTests {
    /// `n` events of `customers` customers through the stages, some with an NPS.
    static func events(_ n: Int, customers: Int, prefix: String = "e") -> [NewEvent] {
        let types = ["ad_click", "product_view", "pricing_view", "purchase", "first_login", "feature_used", "survey_response", "referral_sent"]
        return (0..<n).map { i in
            let c = (i * 7919) % customers
            let type = types[(i / customers + c) % types.count]
            return ev("c\(c)", type, day: Double(i / customers) + Double(c % 7) / 10, id: "\(prefix)\(i)",
                      properties: type == "survey_response" ? #"{"nps":\#(i % 11)}"# : nil)
        }
    }

    /// What the views answer: the funnel, the map and a sample of customers.
    static func answers(_ e: JourneyEngine, customers: Int) throws -> String {
        let q = e.queries
        let sample = try stride(from: 0, to: customers, by: max(1, customers / 25)).map { try q.customer("c\($0)") }
            .map { "\($0.stage ?? "-") \($0.eventCount)" }
        var m = MapQuery()
        m.at = Timestamp(rfc3339: "2026-06-01T00:00:00Z")
        return "\(try q.funnel()) \(try q.map(m)) \(sample)"
    }

    static func hasJourneyDatabases(_ env: Environment) throws -> Bool {
        try env.read { txn in (try? txn.openDatabase("journey-meta")) != nil }
    }

    /// Records format 3 (views in the log's file), as a store of the earlier build has.
    static func markFormatThree(_ store: EventStore) throws {
        try store.environment.write { txn in try store.layout.setFormat(3, in: txn) }
    }

    /// A store of the earlier layout in `data`: `n` events, its views (caught up) in the log's
    /// own file, format 3. Returns the open store and the engine over those views.
    static func earlierLayoutStore(_ data: String, key: MasterKey, events n: Int, customers: Int) async throws -> (EventStore, JourneyEngine) {
        let store = try openStore(data, key: key)
        _ = try await store.append(events(n, customers: customers))
        let old = try JourneyEngine(log: store, views: store.environment)
        try old.live.catchUp()
        try markFormatThree(store)
        return (store, old)
    }

    static func openStore(_ dir: String, key: MasterKey) throws -> EventStore {
        var c = StoreConfiguration(directory: dir)
        c.masterKey = key
        return try EventStore(c)
    }

    @Test func theViewsHaveAFileOfTheirOwn() async throws {
        let f = try JourneyFixture(masterKey: .generate())
        try await f.append(Self.events(600, customers: 40))
        #expect(FileManager.default.fileExists(atPath: f.directory.appending("data/views/data.mdb")))
        #expect(try !Self.hasJourneyDatabases(f.store.environment))
        #expect(try Self.hasJourneyDatabases(f.store.viewsEnvironment()))
        #expect(try f.engine.live.appliedPosition() == 600)
        let s = try f.store.statistics()
        #expect(s.viewsFileBytes > 0 && s.fileBytes > 0)
        #expect(f.engine.openingNotice == nil)
    }

    /// The views' writer holds its write transaction open while an append commits: the log's
    /// writer does not wait for it (they shared one lock before).
    @Test func anAppendCommitsWhileTheViewsWriterHoldsItsLock() async throws {
        let f = try JourneyFixture(masterKey: .generate())
        try await f.append(Self.events(100, customers: 10))
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let views = f.engine.views
        let worker = Thread {
            _ = try? views.write { _, _ in
                holding.signal()
                _ = release.wait(timeout: .now() + 30)
            }
        }
        worker.start()
        holding.wait()
        // With one lock this append could not commit until `release` (30 s at most).
        let started = ContinuousClock.now
        let r = try await f.store.append([ev("c1", "purchase", day: 40, id: "while-held")])
        let waited = ContinuousClock.now - started
        release.signal()
        #expect(r.events.first?.position == 101)
        #expect(waited < .seconds(25), "the append waited for the views' writer lock")
        try f.engine.live.catchUp()
        #expect(try f.engine.live.appliedPosition() == 101)
    }

    /// A store made before the views had their own file (views inside the log's data.mdb) opens:
    /// the views move out unchanged, once, and answer as before without a rebuild.
    @Test func viewsOfAnEarlierStoreMoveOutOnce() async throws {
        let dir = TemporaryDirectory("views-move")
        let data = dir.appending("data")
        let key = MasterKey.generate()
        let before: String
        do {
            let (store, old) = try await Self.earlierLayoutStore(data, key: key, events: 900, customers: 60)
            defer { store.close() }
            before = try Self.answers(old, customers: 60)
            #expect(try Self.hasJourneyDatabases(store.environment))
        }
        #expect(!FileManager.default.fileExists(atPath: data + "/views/data.mdb"))

        let store = try Self.openStore(data, key: key)
        defer { store.close() }
        let engine = try JourneyEngine(store: store)
        #expect(engine.openingNotice?.contains("moved out of the log's data.mdb") == true)
        #expect(try !Self.hasJourneyDatabases(store.environment))
        #expect(try engine.live.appliedPosition() == 900, "the views moved with their checkpoints")
        #expect(try Self.answers(engine, customers: 60) == before)
        #expect(try JourneyEngine(store: store).openingNotice == nil, "moved once")
        #expect(store.format == 4)
    }

    /// The move needs the store to itself: with another opener (an earlier build's server, say)
    /// it is refused, saying so, and nothing is moved; once alone, it goes through.
    @Test func theMoveWaitsForTheStoreToItself() async throws {
        let dir = TemporaryDirectory("views-move-busy")
        let data = dir.appending("data")
        let key = MasterKey.generate()
        let (store, _) = try await Self.earlierLayoutStore(data, key: key, events: 200, customers: 20)
        defer { store.close() }
        let other = try Self.openStore(data, key: key)
        #expect {
            _ = try JourneyEngine(store: store)
        } throws: { error in
            (error as? StoreError)?.message.contains("needs it to itself") == true
        }
        #expect(try Self.hasJourneyDatabases(store.environment) && store.format == 3)
        other.close()
        let engine = try JourneyEngine(store: store)
        #expect(engine.openingNotice?.contains("moved out") == true)
        #expect(try engine.live.appliedPosition() == 200 && store.format == 4)
    }

    /// A crash after the copy committed but before the log's old databases were dropped: the
    /// next open only drops them; the moved views are kept (the copy is not made again).
    @Test func aMoveInterruptedAfterTheCopyOnlyDrops() async throws {
        let dir = TemporaryDirectory("views-move-crash")
        let data = dir.appending("data")
        let key = MasterKey.generate()
        let (store, old) = try await Self.earlierLayoutStore(data, key: key, events: 500, customers: 30)
        defer { store.close() }
        let before = try Self.answers(old, customers: 30)
        #expect(try ViewsRelocation.moveIfNeeded(store: store, views: store.viewsEnvironment()))
        // As if the drop had not committed: the log's file holds (other, empty) views again.
        _ = try JourneyDatabases.open(store.environment)
        try Self.markFormatThree(store)
        #expect(try Self.hasJourneyDatabases(store.environment))
        let engine = try JourneyEngine(store: store)
        #expect(try !Self.hasJourneyDatabases(store.environment))
        #expect(try Self.answers(engine, customers: 30) == before)
    }

    /// An older log under newer views (the log restored from an older backup): the checkpoint is
    /// above the log's head; the views are emptied, rebuilt from this log, and say so.
    @Test func viewsAheadOfTheLogAreRebuilt() async throws {
        let dir = TemporaryDirectory("views-ahead")
        let key = MasterKey.generate()
        let data = dir.appending("data"), older = dir.appending("older")
        let events = Self.events(1_200, customers: 50)
        var expected = ""
        do {
            let store = try Self.openStore(data, key: key)
            defer { store.close() }
            let engine = try JourneyEngine(store: store)
            _ = try await store.append(Array(events[0..<800]))
            try engine.live.catchUp()
            expected = try Self.answers(engine, customers: 50)
            _ = try store.backup(to: older)
            _ = try await store.append(Array(events[800...]))
            try engine.live.catchUp()
        }
        // The older log, the newer views.
        try FileManager.default.removeItem(atPath: data + "/data.mdb")
        try FileManager.default.copyItem(atPath: older + "/data.mdb", toPath: data + "/data.mdb")
        let store = try Self.openStore(data, key: key)
        defer { store.close() }
        let engine = try JourneyEngine(store: store)
        let notice = try #require(engine.openingNotice)
        #expect(notice.contains("up to position 1200") && notice.contains("ends at 800"), "\(notice)")
        #expect(try engine.live.appliedPosition() == 0)
        try engine.live.catchUp()
        #expect(try Self.answers(engine, customers: 50) == expected)
        #expect(try JourneyEngine(store: store).openingNotice == nil)
    }

    /// Views of one store put beside another store's longer log: the chain hash at the views'
    /// anchor differs, so they are rebuilt from this log.
    @Test func viewsOfAnotherLogAreRebuilt() async throws {
        let dir = TemporaryDirectory("views-other")
        let key = MasterKey.generate()
        let a = dir.appending("a"), b = dir.appending("b")
        do {
            let store = try Self.openStore(a, key: key)
            defer { store.close() }
            let engine = try JourneyEngine(store: store)
            _ = try await store.append(Self.events(300, customers: 20, prefix: "a"))
            try engine.live.catchUp()
        }
        var expected = ""
        do {
            let store = try Self.openStore(b, key: key)
            defer { store.close() }
            let engine = try JourneyEngine(store: store)
            _ = try await store.append(Self.events(700, customers: 35, prefix: "b"))
            try engine.live.catchUp()
            expected = try Self.answers(engine, customers: 35)
        }
        try FileManager.default.removeItem(atPath: b + "/views/data.mdb")
        try FileManager.default.copyItem(atPath: a + "/views/data.mdb", toPath: b + "/views/data.mdb")
        let store = try Self.openStore(b, key: key)
        defer { store.close() }
        let engine = try JourneyEngine(store: store)
        #expect(engine.openingNotice?.contains("built from another log") == true, "\(engine.openingNotice ?? "no notice")")
        try engine.live.catchUp()
        #expect(try Self.answers(engine, customers: 35) == expected)
    }

    /// Backup copies both files (views first); the restored store answers at once, without
    /// catching up; compaction rewrites both.
    @Test func backupRestoreAndCompactCoverBothFiles() async throws {
        let dir = TemporaryDirectory("views-backup")
        let key = MasterKey.generate()
        let data = dir.appending("data"), backup = dir.appending("backup"), restored = dir.appending("restored")
        var expected = ""
        do {
            let store = try Self.openStore(data, key: key)
            defer { store.close() }
            let engine = try JourneyEngine(store: store)
            _ = try await store.append(Self.events(1_000, customers: 45))
            try engine.live.catchUp()
            _ = try engine.rebuilder.rebuild()   // leaves freed pages in the views' file
            expected = try Self.answers(engine, customers: 45)
            let manifest = try store.backup(to: backup)
            #expect(manifest.headPosition == 1_000 && (manifest.viewsBytes ?? 0) > 0)
        }
        #expect(FileManager.default.fileExists(atPath: backup + "/views/data.mdb"))
        #expect(!FileManager.default.fileExists(atPath: backup + "/views/lock.mdb"))
        let report = try EventStore.restore(from: backup, to: restored, masterKey: key)
        #expect(report.isValid)
        do {
            let store = try Self.openStore(restored, key: key)
            defer { store.close() }
            let engine = try JourneyEngine(store: store)
            #expect(engine.openingNotice == nil)
            #expect(try engine.live.appliedPosition() == 1_000, "the restored views need no catching up")
            #expect(try Self.answers(engine, customers: 45) == expected)
        }
        let viewsBefore = EventStore.fileBytes(data + "/views")
        let (before, after) = try EventStore.compact(directory: data, masterKey: key)
        #expect(after < before)
        #expect(EventStore.fileBytes(data + "/views") < viewsBefore)
        let store = try Self.openStore(data, key: key)
        defer { store.close() }
        let engine = try JourneyEngine(store: store)
        #expect(try engine.live.appliedPosition() == 1_000)
        #expect(try Self.answers(engine, customers: 45) == expected)
    }
}
