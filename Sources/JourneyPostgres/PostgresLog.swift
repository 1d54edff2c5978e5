import Foundation
public import JourneyStore
public import Logging
import PostgresNIO

/// The log's tables in PostgreSQL and the connections to its primary: what a node's replica
/// appends to and tails (``PostgresUpstream``), with reads of the log as PostgreSQL holds it
/// and ``verify(chunk:)``.
///
/// | table | holds |
/// | --- | --- |
/// | `journey_head` | one row: the head position, the chain hash there, the latest recording time (`FOR UPDATE` in every append) |
/// | `journey_events` | `position` (primary key), `event_id` (unique), `stream`, `version` (`(stream, version)` unique), `record` (the LMDB record format) |
/// | `journey_commits` | each commit's head and the index changes it made (for the replicas) |
/// | `journey_meta` | the log's id and master-key check |
///
/// Positions are gapless in commit order (every append locks the one `journey_head` row, so
/// commit order is position order; no sequence is used, sequences leave gaps); `(stream,
/// version)` and the event id are unique. The checks themselves (duplicates, conflicts,
/// expected versions, links, keys) run in the appending node's replica under that lock.
public final class PostgresLog: Sendable {
    /// Where the database is: one host, or several (a Patroni cluster's nodes) of which the
    /// primary is found by itself (``PostgresPrimary``).
    public struct Configuration: Sendable {
        /// The hosts, in the order they are tried when looking for the primary.
        public var hosts: [Endpoint]
        public var username: String
        public var password: String?
        public var database: String
        /// How long a connection attempt to one host may take, handshake included (default 10 s,
        /// postgres-nio's own; a refused connection fails at once, only a silent host costs it).
        public var connectTimeout: Duration = .seconds(10)
        /// How long one call (an append's whole transaction, a read) may wait for the server
        /// before its connection is closed (default 60 s): a host that went silent without a
        /// reset would otherwise hold the call, and every append queued behind it, for as long as
        /// TCP retries. The call then fails as on a broken connection (`log_unavailable`; the
        /// outcome unknown if `COMMIT` had been sent). Not a `statement_timeout`: the server
        /// never reports a commit it has not made durable.
        public var callTimeout: Duration = .seconds(60)
        /// The least level the log's own messages (`journey.postgres`: the primary found, a
        /// connection lost) are written at (default `info`; the CLI's commands: `warning`).
        public var logLevel: Logger.Level = .info

        /// A host and port.
        public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
            public var host: String
            public var port: Int
            public init(host: String, port: Int) { self.host = host; self.port = port }
            public var description: String { "\(host):\(port)" }
        }

        public init(host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil, database: String) {
            self.init(hosts: [Endpoint(host: host, port: port)], username: username, password: password, database: database)
        }

        public init(hosts: [Endpoint], username: String, password: String? = nil, database: String) {
            self.hosts = hosts
            self.username = username
            self.password = password
            self.database = database
        }

        /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]…]/DATABASE` (libpq's
        /// multi-host form; port 5432 when left out; `postgresql://` also taken).
        public init(url: String) throws(StoreError) {
            func bad(_ why: String) -> StoreError {
                StoreError(.invalidArgument, "log URL \(Self.redacted(url)): \(why) (expected postgres://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]...]/DATABASE)")
            }
            var rest = Substring(url)
            if rest.hasPrefix("postgres://") { rest = rest.dropFirst("postgres://".count) }
            else if rest.hasPrefix("postgresql://") { rest = rest.dropFirst("postgresql://".count) }
            else { throw bad("not a postgres:// URL") }
            guard let at = rest.lastIndex(of: "@") else { throw bad("no user") }
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let slash = rest.firstIndex(of: "/") else { throw bad("no database") }
            let database = String(rest[rest.index(after: slash)...]).split(separator: "?").first.map(String.init) ?? ""
            guard !database.isEmpty else { throw bad("no database") }
            var hosts: [Endpoint] = []
            for part in rest[..<slash].split(separator: ",", omittingEmptySubsequences: false) {
                let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
                guard !pieces[0].isEmpty, pieces.count <= 2 else { throw bad("host \"\(part)\" is not HOST or HOST:PORT") }
                let port = pieces.count == 2 ? Int(pieces[1]) : 5432
                guard let port, (1...65535).contains(port) else { throw bad("port \"\(pieces.count == 2 ? pieces[1] : "")\" is not 1-65535") }
                hosts.append(Endpoint(host: String(pieces[0]), port: port))
            }
            let user = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard !user[0].isEmpty else { throw bad("no user") }
            self.init(hosts: hosts, username: String(user[0]).removingPercentEncoding ?? String(user[0]),
                      password: user.count == 2 ? String(user[1]).removingPercentEncoding ?? String(user[1]) : nil, database: database)
        }

        /// `url` with its password replaced by `***`, for messages and logs.
        public static func redacted(_ url: String) -> String {
            guard let scheme = url.range(of: "://"), let at = url.lastIndex(of: "@"), at > scheme.upperBound else { return url }
            let credentials = url[scheme.upperBound..<at]
            guard let colon = credentials.firstIndex(of: ":") else { return url }
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
    }

    let primary: PostgresPrimary
    let logger: Logger

    /// Finds the primary among the configured hosts and creates the tables when missing.
    /// Fails with `log_unavailable` when no host is the primary.
    public init(_ configuration: Configuration) async throws(StoreError) {
        guard !configuration.hosts.isEmpty else { throw StoreError(.invalidArgument, "the PostgreSQL log needs at least one host") }
        var logger = Logger(label: "journey.postgres")
        logger.logLevel = configuration.logLevel
        self.logger = logger
        primary = PostgresPrimary(configuration, logger: logger)
        do {
            try await createSchema()
        } catch {
            await primary.close()
            throw Self.storeError(error, "cannot prepare the log's tables")
        }
    }

    /// Closes the connections.
    public func close() async {
        await primary.close()
    }

    /// The tables: the head row (position and chain hash of the last event) and the events. A
    /// stream's version is its last event's, found through the `(stream, version)` index (a
    /// table of versions, updated by every append, cost a quarter of the ingest rate).
    func createSchema() async throws {
        try await primary.transaction { [logger] db in
            // Two first openers at once: the second waits here instead of failing on a race.
            try await db.run("SELECT pg_advisory_xact_lock(7100477)", logger: logger)
            try await db.run("""
                CREATE TABLE IF NOT EXISTS journey_head (
                    id int PRIMARY KEY CHECK (id = 1), position bigint NOT NULL, chain bytea NOT NULL, recorded_floor bigint NOT NULL)
                """, logger: logger)
            try await db.run("""
                INSERT INTO journey_head VALUES (1, 0, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea, \(Int64.min))
                ON CONFLICT (id) DO NOTHING
                """, logger: logger)
            // Event ids compare byte by byte (`COLLATE "C"`), whatever the database's locale: a
            // unique index under a linguistic collation costs a strcoll per comparison.
            try await db.run("""
                CREATE TABLE IF NOT EXISTS journey_events (
                    position bigint PRIMARY KEY, event_id text COLLATE "C" NOT NULL UNIQUE, stream bytea NOT NULL, version bigint NOT NULL,
                    record bytea NOT NULL, UNIQUE (stream, version))
                """, logger: logger)
            // Each commit's index changes, for the nodes' replicas (``PostgresUpstream``): large
            // values, compressed with lz4 where the server has it (pglz took 3 % of all CPU
            // samples in a bulk load here).
            var lz4 = false
            for try await yes in try await db.query("""
                SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'
                """, logger: logger).decode(Bool.self) { lz4 = yes }
            try await db.run(PostgresQuery(unsafeSQL: """
                CREATE TABLE IF NOT EXISTS journey_commits (head bigint PRIMARY KEY, changes bytea \(lz4 ? "COMPRESSION lz4 " : "")NOT NULL)
                """), logger: logger)
            // The log's id and key check, set by the first node.
            try await db.run("CREATE TABLE IF NOT EXISTS journey_meta (name text PRIMARY KEY, value bytea NOT NULL)", logger: logger)
        }
    }

    /// A PostgreSQL or connection failure as a store error naming what was being done: the
    /// store's own errors as they are; a lost primary as `log_unavailable` (retryable), saying
    /// whether the outcome is unknown (the connection broke during `COMMIT`); anything else as
    /// `storage_error`.
    static func storeError(_ error: any Error, _ doing: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let commit = error as? PostgresPrimary.CommitFailed {
            return StoreError(.unavailable, "\(doing): the connection to the PostgreSQL primary broke while committing (\(PostgresPrimary.describe(commit.underlying))), so the append may or may not be in the log; retry it with the same event ids: what is there already is answered as a duplicate")
        }
        if PostgresPrimary.primaryLost(error) {
            return StoreError(.unavailable, "\(doing): the PostgreSQL primary was lost (\(PostgresPrimary.describe(error))); nothing was written; retry shortly")
        }
        return StoreError(.storage, "\(doing): \(String(reflecting: error))")
    }
}
