import Foundation
import JourneyStore
import Testing

@Suite struct ReadTests {
    func filled() async throws -> StoreFixture {
        let f = try StoreFixture()
        for i in 1...10 { _ = try await f.store.append([event("a", id: "a\(i)"), event("b", id: "b\(i)")]) }
        return f
    }

    @Test func streamForwardAndBackwardFromAVersion() async throws {
        let f = try await filled()
        #expect(try f.store.readStream("a").map(\.version) == Array(1...10))
        #expect(try f.store.readStream("a", from: 4, limit: 3).map(\.version) == [4, 5, 6])
        #expect(try f.store.readStream("a", backward: true, limit: 3).map(\.version) == [10, 9, 8])
        #expect(try f.store.readStream("a", from: 4, backward: true).map(\.version) == [4, 3, 2, 1])
        #expect(try f.store.readStream("a", from: 11).isEmpty)
        #expect(try f.store.readStream("a", from: 99, backward: true, limit: 1).map(\.version) == [10])
        #expect(try f.store.readStream("nobody").isEmpty)
        #expect(try f.store.readStream("b").map(\.position) == (1...10).map { UInt64($0 * 2) })
    }

    /// Past about 250 events a stream's positions move from inline to their own sub-tree.
    /// A stream of one event (LMDB keeps a single duplicate without a sub-page).
    @Test func aStreamOfOneEvent() async throws {
        let f = try StoreFixture()
        _ = try await f.store.append(event("solo", "signup"))
        _ = try await f.store.append(event("pair", "a"))
        _ = try await f.store.append(event("pair", "b"))
        #expect(try f.store.readStream("solo").map(\.type) == ["signup"])
        #expect(try f.store.readStream("solo", backward: true).map(\.version) == [1])
        #expect(try f.store.readStream("pair").map(\.type) == ["a", "b"])
    }

    @Test func longStreams() async throws {
        let f = try StoreFixture()
        for chunk in 0..<6 {
            _ = try await f.store.append((0..<100).map { i in event(i % 2 == 0 ? "long" : "other-\(chunk)") })
        }
        #expect(try f.store.streamVersion("long") == 300)
        #expect(try f.store.readStream("long", limit: 1000).map(\.version) == Array(1...300))
        #expect(try f.store.readStream("long", from: 250, limit: 3).map(\.version) == [250, 251, 252])
        #expect(try f.store.readStream("long", backward: true, limit: 2).map(\.version) == [300, 299])
        #expect(try f.store.readStream("long", from: 2, backward: true, limit: 5).map(\.version) == [2, 1])
        let positions = try f.store.readStream("long", limit: 1000).map(\.position)
        #expect(positions == positions.sorted())
        #expect(try f.store.readStream("long", from: 300).first?.position == 599)
    }

    @Test func logFromAPositionWithALimit() async throws {
        let f = try await filled()
        #expect(try f.store.readLog(from: 5, limit: 3).map(\.position) == [5, 6, 7])
        #expect(try f.store.readLog(from: 19).map(\.position) == [19, 20])
        #expect(try f.store.readLog(from: 21).isEmpty)
        #expect(try f.store.readLog(backward: true, limit: 2).map(\.position) == [20, 19])
        #expect(try f.store.readLog(from: 3, backward: true).map(\.position) == [3, 2, 1])
        #expect(throws: StoreError.self) { try f.store.readLog(limit: 0) }
    }

    @Test func eventById() async throws {
        let f = try await filled()
        #expect(try f.store.event(id: "b3")?.position == 6)
        #expect(try f.store.event(id: "b3")?.version == 3)
        #expect(try f.store.event(id: "missing") == nil)
    }

    @Test func survivesCloseAndReopen() async throws {
        let f = try await filled()
        let reopened = try f.reopen()
        defer { reopened.close() }
        #expect(try reopened.headPosition() == 20)
        let r = try await reopened.append(event("a"))
        #expect(r.position == 21 && r.version == 11)
        let dup = try await reopened.append(event("a", id: "a1"))
        #expect(dup.duplicate && dup.position == 1)
        #expect(try reopened.verify().isValid)
    }

    @Test func growsFromATinyInitialMap() async throws {
        let f = try StoreFixture { $0.initialMapSize = 128 * 1024 }
        var batch: [NewEvent] = []
        for i in 0..<4000 {
            batch.append(event("grow-\(i % 97)", properties: #"{"padding":"\#(String(repeating: "p", count: 200))"}"#))
            if batch.count == 500 {
                _ = try await f.store.append(batch)
                batch.removeAll()
            }
        }
        #expect(try f.store.headPosition() == 4000)
        #expect(try f.store.statistics().mapSizeBytes > 1 << 20)
        #expect(try f.store.verify().isValid)
    }

    @Test func refusesAMissingStoreWhenNotCreating() {
        var config = StoreConfiguration(directory: "/tmp/journey-no-such-\(UUID().uuidString)")
        config.createIfMissing = false
        do {
            _ = try EventStore(config)
            Issue.record("opened a missing store")
        } catch {
            #expect(error.code == .notFound)
        }
    }
}
