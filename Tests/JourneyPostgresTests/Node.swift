import Foundation
import JourneyPostgres
import JourneyStore
import JourneyTestSupport

/// A journey node on a test's PostgreSQL: the log's upstream and a replica of it in a folder
/// of its own, encrypted with the tests' master key (as two processes on two machines would be).
final class Node: Sendable {
    let upstream: PostgresUpstream
    let store: EventStore
    let folder: TemporaryDirectory

    init(_ configuration: PostgresLog.Configuration, folder: TemporaryDirectory = TemporaryDirectory("pg-node"), encrypted: Bool = true,
         configure: (inout StoreConfiguration) -> Void = { _ in }) async throws {
        upstream = try await PostgresUpstream(configuration)
        var s = StoreConfiguration(directory: folder.appending("data"))
        if encrypted { s.masterKey = try MasterKey(text: ProcessRunner.testMasterKey) }
        configure(&s)
        do {
            store = try await upstream.openReplica(s)
        } catch {
            await upstream.close()
            throw error
        }
        self.folder = folder
    }

    convenience init(_ server: PostgresServer, encrypted: Bool = true, configure: (inout StoreConfiguration) -> Void = { _ in }) async throws {
        var c = PostgresLog.Configuration(port: server.port, username: server.user, database: server.database)
        c.connectTimeout = .seconds(30)
        try await self.init(c, encrypted: encrypted, configure: configure)
    }

    func append(_ events: [NewEvent], expectations: [String: ExpectedVersion] = [:]) async throws(StoreError) -> AppendResult {
        try await store.append(events, expectations: expectations)
    }

    /// The whole log as this node has it after taking in every other node's commits.
    func readLog(limit: Int = 100_000) async throws -> [StoredEvent] {
        try await store.catchUpFully()
        return try store.readLog(from: 1, backward: false, limit: limit)
    }

    func readStream(_ customer: String) async throws -> [StoredEvent] {
        try await store.catchUpFully()
        return try store.readStream(customer, limit: 100_000)
    }

    func headPosition() async throws -> UInt64 {
        try await store.catchUpFully()
        return try store.headPosition()
    }

    /// The log as PostgreSQL holds it, checked (positions, records, chain, head row).
    func verify() async throws(StoreError) -> (checked: UInt64, problem: String?) { try await upstream.log.verify() }

    func close() async {
        store.close()
        await upstream.close()
    }
}
