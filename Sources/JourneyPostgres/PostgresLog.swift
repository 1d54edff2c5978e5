public import JourneyStore
import Logging
import PostgresNIO

/// The log in PostgreSQL (issue 17, first part): appends and reads with the embedded store's
/// guarantees, in the embedded store's record format (each event's record is the same bytes,
/// chain hash included, so the journey layer can read them unchanged).
///
/// Guarantees, as for LMDB: positions are gapless in commit order (every append locks the one
/// `journey_head` row, so commit order is position order; no sequence is used, sequences leave
/// gaps); `(stream, version)` and the event id are unique; an id seen before is a duplicate when
/// its content is the same and a conflict otherwise; expected versions are checked in the
/// transaction that writes; the chain is extended under the same lock. A batch is one statement
/// (`INSERT … SELECT FROM unnest(…)` with arrays), not a statement per event.
///
/// Not yet: encryption and erasure, identity links and visitors, the group-commit writer, the
/// ``EventLog`` protocol (its reads are synchronous), `LISTEN/NOTIFY`, finding the primary
/// after a failover. This type is async; callers await it.
public final class PostgresLog: Sendable {
    /// Where the database is.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String

        public init(host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil, database: String) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
        }
    }

    let client: PostgresClient
    let logger = Logger(label: "journey.postgres")
    private let runner: Task<Void, Never>
    let limits: EventLimits

    /// Connects (lazily, through a pool) and creates the tables when missing.
    public init(_ configuration: Configuration, limits: EventLimits = EventLimits()) async throws(StoreError) {
        var c = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        c.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: c)
        self.client = client
        self.limits = limits
        runner = Task { await client.run() }
        do {
            try await createSchema()
        } catch {
            runner.cancel()
            throw Self.storeError(error, "cannot prepare the log's tables")
        }
    }

    /// Stops the connection pool.
    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    /// The tables: the head row (position and chain hash of the last event), the events, and
    /// each stream's version.
    func createSchema() async throws {
        try await client.withTransaction(logger: logger) { db in
            // Two first openers at once: the second waits here instead of failing on a race.
            try await db.query("SELECT pg_advisory_xact_lock(7100477)", logger: logger)
            try await db.query("""
                CREATE TABLE IF NOT EXISTS journey_head (
                    id int PRIMARY KEY CHECK (id = 1), position bigint NOT NULL, chain bytea NOT NULL, recorded_floor bigint NOT NULL)
                """, logger: logger)
            try await db.query("""
                INSERT INTO journey_head VALUES (1, 0, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea, \(Int64.min))
                ON CONFLICT (id) DO NOTHING
                """, logger: logger)
            try await db.query("""
                CREATE TABLE IF NOT EXISTS journey_events (
                    position bigint PRIMARY KEY, event_id text NOT NULL UNIQUE, stream bytea NOT NULL, version bigint NOT NULL,
                    record bytea NOT NULL, UNIQUE (stream, version))
                """, logger: logger)
            try await db.query("""
                CREATE TABLE IF NOT EXISTS journey_streams (stream bytea PRIMARY KEY, version bigint NOT NULL)
                """, logger: logger)
        }
    }

    /// A PostgreSQL or connection failure as a `storage_error` naming what was being done.
    static func storeError(_ error: any Error, _ doing: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let t = error as? PostgresTransactionError, let inner = t.closureError as? StoreError { return inner }
        return StoreError(.storage, "\(doing): \(String(reflecting: error))")
    }
}
