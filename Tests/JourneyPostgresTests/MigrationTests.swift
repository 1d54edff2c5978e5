import Foundation
import JourneyJSON
import JourneyPostgres
import JourneyStore
import JourneyTestSupport
import Testing

/// `journeyctl migrate --from DIR --log postgres://…`: a lone store's log moves into PostgreSQL
/// unchanged, and nodes built from it answer as the store did.
@Suite struct MigrationTests {
    @Test func aStoreMovesIntoPostgreSQLWithTheSameRecordsAndChain() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let dir = TemporaryDirectory("migrate-to-pg")
        let data = dir.appending("data")
        // A lone encrypted store with visitors, a link, a merge and an erasure, over more than one batch.
        let lone = try EventStore(testKeyed: data)
        let rated = try JSONObjectText(validating: #"{"rating":5}"#)
        for b in 0..<3 {
            _ = try await lone.append((0..<1_000).map { k in NewEvent(id: "e\(b)-\(k)", customerId: "c\(k % 150)", type: "review_posted", properties: rated) })
        }
        _ = try await lone.append([NewEvent(id: "v1", customerId: nil, anonymousId: "v1", type: "blog_view"),
                                   NewEvent(id: "v2", customerId: nil, anonymousId: "v2", type: "blog_view")])
        _ = try await lone.append([NewEvent(id: "link", customerId: "c1", anonymousId: "v1", type: "first_login")])
        _ = try await lone.merge(.anonymous("v2"), into: .customer("c2"), by: "test")
        _ = try await lone.erase("c3", by: "test")
        let before = try lone.readLog(from: nil, backward: false, limit: 10_000).map(\.json)
        let identities = try lone.identities(of: .customer("c1"))
        let head = try lone.verify(sealed: true)
        lone.close()

        let url = "postgres://\(server.user)@127.0.0.1:\(server.port)/\(server.database)"
        let migrated = try ProcessRunner.journeyctl(["migrate", "--from", data, "--log", url, "--batch-size", "700"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("migrated 3,005 events") && migrated.stdout.contains(head.headHash.hex), "\(migrated.stdout)")
        // Again: the log is no longer empty; refused, nothing written.
        let again = try ProcessRunner.journeyctl(["migrate", "--from", data, "--log", url])
        #expect(again.status != 0 && again.stderr.contains("already holds 3005 events"), "\(again.stderr)")

        // A node built from the log answers as the store did, and appends after it.
        let node = try await Node(server)
        #expect(try await node.readLog(limit: 10_000).map(\.json) == before)
        #expect(try node.store.identities(of: .customer("c1")) == identities)
        #expect(try node.store.erasures().map(\.customerId).contains("c3"))
        let v = try node.store.verify(sealed: true)
        #expect(v.problem == nil && v.headHash == head.headHash && v.sealsOpened == head.sealsOpened)
        #expect(try await node.append([NewEvent(id: "after", customerId: "c1", type: "purchase")]).events.first?.position == 3_006)
        await #expect {
            _ = try await node.append([NewEvent(id: "erased", customerId: "c3", type: "purchase", properties: rated)])
        } throws: { error in
            (error as? StoreError)?.code == .customerErased
        }
        #expect(try await node.verify().problem == nil)
        await node.close()
    }
}
