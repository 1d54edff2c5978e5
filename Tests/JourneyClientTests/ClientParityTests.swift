import Foundation
import JourneyClient
import JourneyCore
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Logging
import Testing

/// The two clients the commands call, side by side in this process: a data folder through the
/// libraries, and a real server on 127.0.0.1 over HTTP. Each step is done to both and must
/// answer the same (but for what depends on when events were recorded), so that the commands,
/// which only print what the client returns, print the same in both modes.
@Suite(.serialized) struct ClientParityTests {
    /// A local client on one folder and a remote one on a server over another.
    final class Pair: @unchecked Sendable {
        let directory = TemporaryDirectory("parity")
        let server: JourneyServer
        let running: Task<Void, any Error>
        let remote: RemoteClient
        var localOptions: LocalClient.Options

        init(maxBodyBytes: Int = 8 << 20) async throws {
            var c = ServerConfiguration()
            c.port = 0
            c.dataDirectory = directory.appending("served")
            c.masterKeyText = ProcessRunner.testMasterKey
            c.pollIntervalMilliseconds = 10
            c.coalesceMilliseconds = 0
            c.maxBodyBytes = maxBodyBytes
            var logger = Logger(label: "parity")
            logger.logLevel = .warning
            let server = try JourneyServer(configuration: c, logger: logger)
            self.server = server
            running = Task { try await server.run(signals: []) }
            remote = try RemoteClient(server: "http://127.0.0.1:\(await server.port())", token: nil)
            localOptions = LocalClient.Options(directory: directory.appending("local"))
            localOptions.masterKey = try MasterKey(text: ProcessRunner.testMasterKey)
        }

        /// A local client opened for `intent` (as each command opens one).
        func local(_ intent: ClientIntent) throws -> LocalClient { try LocalClient(localOptions, intent: intent) }

        /// Runs `body` on both clients; the remote one after the server's views caught up.
        func both<T: Sendable>(_ intent: ClientIntent = .readViews, _ body: (any JourneyClient) async throws -> T) async throws -> (T, T) {
            let l = try local(intent)
            defer { l.close() }
            let a = try await body(l)
            if intent == .readViews {
                let head = try server.state.store.headPosition()
                _ = await server.state.engine.live.applied.wait(until: head)
            }
            return (a, try await body(remote))
        }

        func stop() async throws {
            await server.shutdown()
            try await running.value
        }
    }

    static func lines(_ n: Int, customers: Int = 30) -> [String] {
        let types = ["ad_click", "product_view", "pricing_view", "purchase", "first_login", "survey_response", "referral_sent"]
        return (0..<n).map { i in
            let day = String(format: "2026-01-%02dT%02d:00:00Z", 1 + i % 28, i % 24)
            let props = types[i % types.count] == "survey_response" ? #","properties":{"nps":\#(i % 11)}"# : #","properties":{"n":\#(i)}"#
            return #"{"id":"e\#(i)","customerId":"c\#(i % customers)","type":"\#(types[i % types.count])","occurredAt":"\#(day)"\#(props)}"#
        }
    }

    static func file(_ text: String, in dir: TemporaryDirectory, _ name: String) throws -> Int32 {
        let path = dir.appending(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return open(path, O_RDONLY)
    }

    /// The recording times are the only fields that differ between the two stores.
    static func withoutRecordedAt(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #","recordedAt":"[^"]+""#, with: "", options: .regularExpression)
    }

    @Test func everyOperationAnswersAlikeInBothModes() async throws {
        let p = try await Pair(maxBodyBytes: 64 << 10)
        // Ingest: the same batching, rejections (a bad line, an id reused with other content)
        // and summary; the remote batches stay under the server's 64 KiB body limit.
        var text = Self.lines(1200).joined(separator: "\n") + "\n"
        text += #"{"customerId":"c1","type":"t","sentiment":7}"# + "\n"
        text += #"{"id":"e5","customerId":"c5","type":"other"}"# + "\n"
        var options = IngestOptions()
        options.batchSize = 500
        let (a, b) = try await p.both(.write) { client in
            let fd = try Self.file(text, in: p.directory, "in-\(UUID().uuidString).ndjson")
            defer { close(fd) }
            return try await client.ingest(fileDescriptor: fd, options: options) { _ in }
        }
        #expect(a.written == 1200 && a.rejected == 2, "\(a)")
        #expect(a.written == b.written && a.duplicates == b.duplicates && a.rejected == b.rejected && a.lines == b.lines && a.headPosition == b.headPosition)
        #expect(a.rejections.map(\.line) == b.rejections.map(\.line) && a.rejections.map(\.message) == b.rejections.map(\.message), "\(a.rejections) \(b.rejections)")

        // Appends: plain, with an expected version, a failing expected version.
        let (x, y) = try await p.both(.write) { try await $0.append([NewEvent(id: "x1", customerId: "c1", type: "purchase", occurredAt: Timestamp(rfc3339: "2026-02-01T00:00:00Z"))], expectations: [:]) }
        #expect(x.events == y.events && x.headPosition == y.headPosition)
        let (v1, v2) = try await p.both(.write) { try await $0.append([NewEvent(id: "x2", customerId: "c1", type: "feature_used", occurredAt: Timestamp(rfc3339: "2026-02-02T00:00:00Z"))], expectations: ["c1": .exact(41)]) }
        #expect(v1.events == v2.events)
        for client in [try p.local(.write) as any JourneyClient, p.remote] {
            let e = await #expect(throws: StoreError.self) { _ = try await client.append([NewEvent(customerId: "c1", type: "t")], expectations: ["c1": .noStream]) }
            #expect(e?.code == .wrongExpectedVersion, "\(String(describing: e))")
            client.close()
        }

        // Reads of the log: pages forward and backward, of the log and of a stream.
        for (customer, from, backward) in [(nil, UInt64(1), false), (nil, nil, true), ("c7", 2, false), ("c7", nil, true)] as [(String?, UInt64?, Bool)] {
            let (l, r) = try await p.both(.readLog) { try await $0.events(customer: customer, from: from, backward: backward, limit: 25) }
            #expect(l.count == 25 && l.count == r.count && l.next == r.next, "\(customer ?? "log") \(backward)")
            #expect(Self.withoutRecordedAt(l.ndjson) == Self.withoutRecordedAt(r.ndjson))
        }
        let (s1, s2) = try await p.both(.readLog) { try await $0.statistics() }
        #expect(s1.events == s2.events && s1.customers == s2.customers && s1.headPosition == s2.headPosition && s1.encrypted == s2.encrypted)

        // The views.
        let (c1, c2) = try await p.both { try await $0.customer("c7", asOf: nil, knownAt: nil) }
        #expect(c1 == c2)
        let (t1, t2) = try await p.both { try await $0.customer("c7", asOf: Timestamp(rfc3339: "2026-01-10T00:00:00Z"), knownAt: nil) }
        #expect(t1 == t2)
        let (j1, j2) = try await p.both { try await $0.journey("c3", asOf: nil, knownAt: nil) }
        #expect(j1.transitions == j2.transitions && j1.advocacy == j2.advocacy && j1.events.map(\.eventId) == j2.events.map(\.eventId))
        let (f1, f2) = try await p.both { try await $0.funnel() }
        #expect(f1 == f2)
        let (g1, g2) = try await p.both { try await $0.customers(inStage: "decision", after: nil, limit: 5) }
        #expect(g1 == g2)
        let (h1, h2) = try await p.both { try await $0.advocates(level: nil, after: nil, limit: 5) }
        #expect(h1 == h2)

        // Errors are the same store errors.
        for client in [try p.local(.readViews) as any JourneyClient, p.remote] {
            let e = await #expect(throws: StoreError.self) { _ = try await client.customer("nobody", asOf: nil, knownAt: nil) }
            #expect(e?.code == .notFound && e?.message == "customer nobody is not known to this store")
            client.close()
        }

        // Projections, rebuild, what-if, the model.
        let (pr1, pr2) = try await p.both { try await $0.projections() }
        #expect(pr1.map(\.name) == pr2.map(\.name) && pr1.map(\.lag) == pr2.map(\.lag) && pr1.map(\.faults) == pr2.map(\.faults))
        let (rb1, rb2) = try await p.both(.readLog) { try await $0.rebuild([.funnel], progress: nil) }
        #expect(rb1.map(\.name) == rb2.map(\.name) && rb1.map(\.generation) == rb2.map(\.generation) && rb1.allSatisfy(\.switched) && rb2.allSatisfy(\.switched))
        let model = try await p.remote.activeModel()
        let localModel = try await p.local(.readLog).activeModel()
        #expect(model == localModel)
        let (w1, w2) = try await p.both(.readLog) { try await $0.simulate(model, sampleSize: 3) }
        #expect(w1 == w2)

        // Privacy.
        let (e1, e2) = try await p.both { try await $0.erase("c9", by: "someone", reason: "test") }
        #expect(e1.customerId == e2.customerId && e1.position == e2.position && e1.version == e2.version && e1.reason == e2.reason && !e1.duplicate && !e2.duplicate)
        let (l1, l2) = try await p.both(.readLog) { try await $0.erasures(customerId: nil) }
        #expect(l1.map(\.customerId) == l2.map(\.customerId) && l1.map(\.position) == l2.map(\.position))
        let (vr1, vr2) = try await p.both(.readLog) { try await $0.verify(sealed: true, progress: nil) }
        #expect(vr1.isValid && vr2.isValid && vr1.checked == vr2.checked && vr1.sealsOpened == vr2.sealsOpened && vr1.erasedSealed == vr2.erasedSealed)
        try await p.stop()
    }
}
