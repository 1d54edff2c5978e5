import Foundation
import JourneyStore
import Testing

@Suite struct ConcurrencyTests {
    /// Many tasks append to shared and private customers: the log is gapless, every stream is
    /// gapless, and every acknowledged event is there exactly once.
    @Test func concurrentAppendsLoseNothingAndDoubleNothing() async throws {
        let f = try StoreFixture()
        let tasks = 32, perTask = 60
        let acknowledged = try await withThrowingTaskGroup(of: [AppendedEvent].self) { group in
            for t in 0..<tasks {
                group.addTask {
                    var acks: [AppendedEvent] = []
                    for i in 0..<perTask {
                        let customer = i % 3 == 0 ? "shared-\(i % 2)" : "own-\(t)"
                        if i % 10 == 9 {
                            let r = try await f.store.append([event(customer, id: "t\(t)-\(i)"), event("own-\(t)", id: "t\(t)-\(i)b")])
                            acks += r.events
                        } else {
                            acks.append(try await f.store.append(event(customer, id: "t\(t)-\(i)")))
                        }
                    }
                    return acks
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let total = tasks * (perTask + perTask / 10)
        #expect(acknowledged.count == total)
        #expect(Set(acknowledged.map(\.position)).count == total)
        #expect(try f.store.headPosition() == UInt64(total))
        let log = try f.store.readLog(limit: total + 10)
        #expect(log.map(\.position) == (1...UInt64(total)).map { $0 })
        #expect(Set(log.map(\.id)) == Set(acknowledged.map(\.id)))
        var byCustomer: [String: [UInt64]] = [:]
        for e in log { byCustomer[e.customerId, default: []].append(e.version) }
        for (customer, versions) in byCustomer {
            #expect(versions == (1...UInt64(versions.count)).map { $0 }, "\(customer)")
            #expect(try f.store.readStream(customer, limit: 10_000).map(\.version) == versions)
        }
        for ack in acknowledged {
            let stored = try #require(try f.store.event(id: ack.id))
            #expect(stored.position == ack.position && stored.version == ack.version)
        }
        #expect(try f.store.verify().isValid)
    }

    /// Concurrent retries of the same events: each id lands once; every caller gets the same
    /// position for it.
    @Test func idempotencyUnderConcurrentRetries() async throws {
        let f = try StoreFixture()
        let ids = (0..<40).map { "retry-\($0)" }
        let results = try await withThrowingTaskGroup(of: [String: UInt64].self) { group in
            for _ in 0..<16 {
                group.addTask {
                    var seen: [String: UInt64] = [:]
                    for id in ids.shuffled() {
                        let r = try await f.store.append(event("cust-\(id.hashValue & 7)", "purchase", id: id, at: "2026-01-01T00:00:00Z"))
                        seen[id] = r.position
                    }
                    return seen
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(try f.store.headPosition() == UInt64(ids.count))
        for id in ids {
            let positions = Set(results.map { $0[id]! })
            #expect(positions.count == 1, "\(id) got \(positions)")
            #expect(try f.store.event(id: id)?.position == positions.first)
        }
    }

    @Test func readersRunWhileWritersWrite() async throws {
        let f = try StoreFixture()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<200 { _ = try await f.store.append([event("r\(i % 5)"), event("r\((i + 1) % 5)")]) }
            }
            group.addTask {
                var last: UInt64 = 0
                for _ in 0..<500 {
                    let head = try f.store.headPosition()
                    #expect(head >= last)
                    #expect(head % 2 == 0, "a batch of two is never half visible")
                    last = head
                    let stream = try f.store.readStream("r1", limit: 1000)
                    #expect(stream.map(\.version) == (0..<stream.count).map { UInt64($0 + 1) })
                }
            }
            try await group.waitForAll()
        }
    }
}
