import Foundation
import JourneyPostgres
import JourneyStore
import JourneyTestSupport
import JourneyJSON
import Synchronization
import Testing

/// A store in a fresh temporary folder, closed and removed when released.
///
/// With `JOURNEY_TEST_LOG=postgres` the store is a node's replica of a log on PostgreSQL (a new
/// database of one PostgreSQL 15 the test process starts), so the log's suite runs against both
/// backends: `make test` runs this target a second time that way (serially: opening a replica
/// waits for PostgreSQL). Tests of what only the embedded log has are marked ``lmdbOnly``.
final class StoreFixture: Sendable {
    let directory: TemporaryDirectory
    let store: EventStore
    /// The log on PostgreSQL, with `JOURNEY_TEST_LOG=postgres`.
    let upstream: PostgresUpstream?

    /// Whether this run's stores are replicas of a log on PostgreSQL.
    static let onPostgres = ProcessInfo.processInfo.environment["JOURNEY_TEST_LOG"] == "postgres"
    private static let server = Mutex<PostgresServer?>(nil)
    private static let databases = Atomic<Int>(0)

    init(_ configure: (inout StoreConfiguration) -> Void = { _ in }) throws {
        directory = TemporaryDirectory("store")
        var config = StoreConfiguration(directory: directory.appending("data"))
        configure(&config)
        guard Self.onPostgres else {
            upstream = nil
            store = try EventStore(config)
            return
        }
        let server = try Self.server.withLock { s in
            if let s { return s }
            let started = try PostgresServer()
            s = started
            // A static is never released, so its `deinit` would not stop the server: stop it
            // when the test process exits, or every run leaves a PostgreSQL running.
            atexit { StoreFixture.stopServer() }
            return started
        }
        let name = "t\(Self.databases.add(1, ordering: .relaxed).newValue)"
        _ = try server.psql("CREATE DATABASE \(name)")
        var log = PostgresLog.Configuration(port: server.port, username: server.user, database: name)
        log.connectTimeout = .seconds(30)
        let settings = log
        let connected = Self.wait { () async throws(StoreError) in try await PostgresUpstream(settings) }
        let upstream = try connected.get()
        self.upstream = upstream
        store = try EventStore(upstream.attach(to: config))
    }

    /// Stops the PostgreSQL of this process's stores and removes its folder.
    private static func stopServer() {
        server.withLock { $0 }?.stop()
    }

    /// Runs `body` in a task and waits for it on a thread of its own.
    private static func wait<R: Sendable>(_ body: @escaping @Sendable () async throws(StoreError) -> R) -> Result<R, StoreError> {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<R, StoreError>?>(nil)
        Task {
            let r: Result<R, StoreError>
            do throws(StoreError) { r = .success(try await body()) } catch { r = .failure(error) }
            result.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    /// Opens another store on the same folder (after closing this one), on the same log.
    func reopen(_ configure: (inout StoreConfiguration) -> Void = { _ in }) throws -> EventStore {
        store.close()
        var config = StoreConfiguration(directory: directory.appending("data"))
        configure(&config)
        if let upstream { config = upstream.attach(to: config) }
        return try EventStore(config)
    }

    deinit { store.close() }
}

extension Trait where Self == ConditionTrait {
    /// A test of what only the embedded LMDB log has (its files, its map, its formats, its
    /// durability switch): skipped when the suite runs against the log on PostgreSQL.
    static var lmdbOnly: Self { .enabled(if: !StoreFixture.onPostgres, "the embedded log only") }
}

func event(_ customer: String, _ type: String = "page_view", id: String? = nil, at: String? = nil,
           properties: String? = nil, sentiment: Double? = nil) -> NewEvent {
    NewEvent(
        id: id, customerId: customer, type: type, occurredAt: at.flatMap { Timestamp(rfc3339: $0) },
        touchpoint: "web_page", channel: "web", sentiment: sentiment,
        properties: properties.flatMap { try? JSONObjectText(validating: $0) })
}
