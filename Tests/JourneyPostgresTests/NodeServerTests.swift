import Foundation
import JourneyPostgres
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Logging
import Testing

/// Two journey servers on one log on PostgreSQL, over real HTTP on 127.0.0.1: an append on one
/// node is read on the other (`minPosition` waits for it), duplicates and erasures included; a
/// lost primary is a 503 with `Retry-After`. (The suite runs in a process of its own, `make
/// test`: other suites' blocking helpers, e.g. waiting for a child `journeyctl`, hold the
/// cooperative threads these servers' PostgreSQL client needs.)
@Suite struct NodeServerTests {
    final class Served: Sendable {
        let server: JourneyServer
        let running: Task<Void, any Error>
        let http: HTTPTestClient
        let folder = TemporaryDirectory("pg-served")

        init(_ log: String) async throws {
            var c = ServerConfiguration()
            c.port = 0
            c.dataDirectory = folder.appending("data")
            c.log = log
            c.masterKeyText = ProcessRunner.testMasterKey
            c.pollIntervalMilliseconds = 10
            c.coalesceMilliseconds = 0
            var logger = Logger(label: "node")
            logger.logLevel = .warning
            let server = try await JourneyServer.open(configuration: c, logger: logger)
            self.server = server
            running = Task { try await server.run(signals: []) }
            http = HTTPTestClient(port: await server.port())
        }

        func stop() async throws {
            await server.shutdown()
            try await running.value
        }
    }

    /// One request, its failure naming the test's line (which step hung, on a loaded machine).
    static func call(_ node: Served, _ method: String, _ path: String, json: String? = nil, line: Int = #line) async throws -> HTTPTestClient.Response {
        do {
            if let json { return try await node.http.request(method, path, json: json) }
            return try await node.http.request(method, path, timeout: 60)
        } catch {
            throw HTTPTestClient.Failure(description: "\(method) \(path) (line \(line)): \(error)")
        }
    }

    @Test(.timeLimit(.minutes(3))) func anAppendOnOneNodeIsReadOnTheOther() async throws {
        let pg = try PostgresServer()
        defer { pg.stop() }
        let url = "postgres://\(pg.user)@127.0.0.1:\(pg.port)/\(pg.database)"
        let a = try await Served(url), b = try await Served(url)
        let posted = try await Self.call(a, "POST", "/v1/events", json: #"[{"id":"e1","customerId":"c1","type":"pricing_view","properties":{"plan":"pro"}},{"id":"e2","customerId":"c1","type":"purchase"}]"#)
        #expect(posted.status == 200, "\(posted.text)")
        let head = try #require((posted.json as? [String: Any])?["headPosition"] as? Int)
        // Read-your-writes on the other node: minPosition waits until its views have the append.
        let state = try await Self.call(b, "GET", "/v1/customers/c1?minPosition=\(head)&timeout=10")
        #expect(state.status == 200 && (state.json as? [String: Any])?["stage"] as? String == "decision", "\(state.text)")
        let events = try await Self.call(b, "GET", "/v1/customers/c1/events")
        #expect(events.text.contains(#""plan":"pro""#), "\(events.text)")
        // Written on B, read on A; an id already written on A is a duplicate on B.
        let again = try await Self.call(b, "POST", "/v1/events", json: #"{"id":"e1","customerId":"c1","type":"pricing_view","properties":{"plan":"pro"}}"#)
        #expect(again.status == 200 && again.text.contains(#""duplicate":true"#), "\(again.text)")
        let erased = try await Self.call(b, "DELETE", "/v1/customers/c1?reason=asked")
        #expect(erased.status == 200, "\(erased.text)")
        let erasedHead = try #require((erased.json as? [String: Any])?["position"] as? Int)
        let onA = try await Self.call(a, "GET", "/v1/customers/c1/events")
        _ = try await Self.call(a, "GET", "/v1/customers/c1?minPosition=\(erasedHead)&timeout=10")
        let afterErasure = try await Self.call(a, "GET", "/v1/customers/c1/events")
        #expect(!afterErasure.text.contains("pro") && afterErasure.text.contains("customer_erased"), "\(onA.text) then \(afterErasure.text)")
        let refused = try await Self.call(a, "POST", "/v1/events", json: #"{"customerId":"c1","type":"login"}"#)
        #expect(refused.status == 410, "\(refused.text)")
        // The log's primary gone: appends are a retryable 503, reads go on.
        try pg.kill()
        let down = try await Self.call(a, "POST", "/v1/events", json: #"{"id":"e9","customerId":"c2","type":"signup"}"#)
        #expect(down.status == 503 && down.headers["retry-after"] == "1" && down.text.contains("log_unavailable"), "\(down.status) \(down.headers) \(down.text)")
        #expect(try await Self.call(b, "GET", "/v1/customers/c1").status == 200)
        try await a.stop()
        try await b.stop()
    }

    /// `PUT /v1/model` on one node is the model of every node: the other rebuilds under it by
    /// itself, a node started later starts under it, and the same version with other content is
    /// refused on any node.
    @Test(.timeLimit(.minutes(3))) func aModelPutOnOneNodeIsTheModelOfEvery() async throws {
        let pg = try PostgresServer()
        defer { pg.stop() }
        let url = "postgres://\(pg.user)@127.0.0.1:\(pg.port)/\(pg.database)"
        let a = try await Served(url), b = try await Served(url)
        let posted = try await Self.call(a, "POST", "/v1/events", json: #"[{"customerId":"c1","type":"pricing_view"},{"customerId":"c1","type":"purchase"}]"#)
        let head = try #require((posted.json as? [String: Any])?["headPosition"] as? Int, "\(posted.text)")
        // The same model with a purchase moved from decision to onboarding, as version cluster-2.
        let current = try await Self.call(a, "GET", "/v1/model").text
        let moved = current.replacingOccurrences(of: #""checkout_started","purchase"]"#, with: #""checkout_started"]"#)
            .replacingOccurrences(of: #""setup_completed"]"#, with: #""setup_completed","purchase"]"#)
            .replacingOccurrences(of: #""version":"1""#, with: #""version":"cluster-2""#)
        #expect(moved != current && moved.contains("cluster-2"))
        let put = try await Self.call(a, "PUT", "/v1/model", json: moved)
        #expect(put.status == 202, "\(put.text)")
        for node in [a, b] {
            var stage = ""
            let deadline = ContinuousClock.now + .seconds(60)
            while stage != "onboarding" && ContinuousClock.now < deadline {
                let state = try await Self.call(node, "GET", "/v1/customers/c1?minPosition=\(head)&timeout=10")
                stage = (state.json as? [String: Any])?["stage"] as? String ?? state.text
                if stage != "onboarding" { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(stage == "onboarding")
            let model = try await Self.call(node, "GET", "/v1/model")
            #expect(model.text.contains(#""version":"cluster-2""#), "\(model.text.prefix(200))")
        }
        // The same version with other content: refused on the node that did not share it too.
        let other = moved.replacingOccurrences(of: #""name":"default""#, with: #""name":"other""#)
        let clash = try await Self.call(b, "PUT", "/v1/model", json: other)
        #expect(clash.status == 409, "\(clash.text)")
        // Then cluster-3 everywhere; cluster-2 with other content is still refused, now by the
        // log's record of every version shared (b no longer runs cluster-2 itself).
        let third = moved.replacingOccurrences(of: #""version":"cluster-2""#, with: #""version":"cluster-3""#)
        #expect(try await Self.call(a, "PUT", "/v1/model", json: third).status == 202)
        for node in [a, b] {
            var version = ""
            let deadline = ContinuousClock.now + .seconds(60)
            while !version.contains(#""version":"cluster-3""#) && ContinuousClock.now < deadline {
                version = try await Self.call(node, "GET", "/v1/model").text
                if !version.contains("cluster-3") { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(version.contains(#""version":"cluster-3""#), "\(version.prefix(200))")
        }
        let stale = try await Self.call(b, "PUT", "/v1/model", json: other)
        #expect(stale.status == 409 && stale.text.contains("was shared with the cluster"), "\(stale.text)")
        // A node started later starts under the cluster's model: no second build (its views'
        // first generation is the shared model's).
        let c = try await Served(url)
        let model = try await Self.call(c, "GET", "/v1/model")
        #expect(model.text.contains(#""version":"cluster-3""#), "\(model.text.prefix(200))")
        let projections = try await Self.call(c, "GET", "/v1/projections")
        let generations = (projections.json as? [[String: Any]])?.compactMap { $0["generation"] as? Int } ?? []
        #expect(!generations.isEmpty && generations.allSatisfy { $0 == 1 }, "\(projections.text)")
        let state = try await Self.call(c, "GET", "/v1/customers/c1?minPosition=\(head)&timeout=10")
        #expect((state.json as? [String: Any])?["stage"] as? String == "onboarding", "\(state.text)")
        for node in [a, b, c] { try await node.stop() }
    }
}
