import Foundation
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Synchronization
import Testing

@Suite struct StreamAndShutdownTests {
    @Test func liveTailResumesWithLastEventID() async throws {
        let f = try await ServerFixture()
        let c = f.client
        for i in 1...3 { _ = try await c.request("POST", "/v1/events", json: #"{"customerId":"s","type":"t\#(i)"}"#) }
        var stream = try await c.stream("/v1/events/stream")
        #expect(stream.status == 200 && stream.headers["content-type"] == "text/event-stream")
        for i in 1...3 {
            let m = try #require(try await stream.next())
            #expect(m.id == String(i) && m.event == "event")
            #expect(m.data.contains(#""type":"t\#(i)""#))
        }
        // A new event arrives on the open stream.
        _ = try await c.request("POST", "/v1/events", json: #"{"customerId":"s","type":"t4"}"#)
        let live = try #require(try await stream.next())
        #expect(live.id == "4" && live.data.contains(#""position":4"#))
        stream.close()
        // Resume after position 2.
        var resumed = try await c.stream("/v1/events/stream", headers: ["Last-Event-ID": "2"])
        #expect(try await resumed.next()?.id == "3")
        #expect(try await resumed.next()?.id == "4")
        resumed.close()
        #expect(try await c.request("GET", "/v1/events/stream", headers: ["Last-Event-ID": "banana"]).status == 400)
        try await f.stop()
    }

    /// Requests in flight when the server is told to stop finish; every acknowledged event is
    /// in the store afterwards.
    @Test func gracefulShutdownLosesNothingAcknowledged() async throws {
        let f = try await ServerFixture()
        let client = f.client
        let data = f.directory.appending("data")
        let count = AckCounter()
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
            for w in 0..<16 {
                group.addTask {
                    var acks: [String] = []
                    for i in 0..<60 {
                        let id = "w\(w)-\(i)"
                        guard let r = try? await client.request("POST", "/v1/events", headers: ["Content-Type": "application/json"],
                                                                 body: Data(#"{"id":"\#(id)","customerId":"c\#(w)","type":"t"}"#.utf8), timeout: 3),
                              r.status == 200 else { break }
                        acks.append(id)
                        count.value.add(1, ordering: .relaxed)
                    }
                    return acks
                }
            }
            // Stop while the writers are busy: once some appends were acknowledged (however
            // slow the machine is), not after a fixed time.
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(20)
                while count.value.load(ordering: .relaxed) < 50 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                await f.server.shutdown()
                return []
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        try await f.running.value
        #expect(acknowledged.count > 0)
        let store = try EventStore(testKeyed: data)
        defer { store.close() }
        for id in acknowledged {
            #expect(try store.event(id: id) != nil, "acknowledged \(id) is missing")
        }
        #expect(try store.verify().isValid)
    }
}

/// Acknowledged appends so far, shared by the writers of a test.
final class AckCounter: Sendable {
    let value = Atomic<Int>(0)
}
