import JourneyStore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Connections to the primary among the configured hosts, found by asking each host
/// `pg_is_in_recovery()` (the one answering `false` is the primary).
///
/// A connection that breaks, or a server that answers that it is read-only or shutting down,
/// makes the primary unknown again: every pooled connection to it is dropped, the call fails with
/// `log_unavailable`, and the next call looks for the primary again. So after a failover every
/// process finds the new primary by itself, without a restart, and an append in flight during
/// the switch fails cleanly instead of waiting. No `statement_timeout` is set: a cancelled wait
/// for the synchronous standby would let PostgreSQL report a commit the standby may not have.
final class PostgresPrimary: Sendable {
    struct State: ~Copyable {
        /// The primary's index in the hosts, when known.
        var primary: Int?
        /// Idle connections to the primary of ``generation``.
        var idle: [(connection: PostgresConnection, generation: Int)] = []
        /// Bumped whenever the primary becomes unknown: older connections are not reused.
        var generation = 0
        var nextID = 1
        var closed = false
    }

    let configuration: PostgresLog.Configuration
    let logger: Logger
    private let state = Mutex(State())
    /// Connections kept open between calls.
    let maxIdle = 8

    init(_ configuration: PostgresLog.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` on a connection to the primary. A connection-level failure (or a primary that
    /// is one no more) is thrown as it came; the connection is dropped and the primary forgotten.
    func withConnection<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        let (connection, generation) = try await lease()
        do {
            let result = try await body(connection)
            release(connection, generation)
            return result
        } catch {
            if connection.isClosed || Self.primaryLost(error) {
                forget(generation)
                try? await connection.close()
            } else {
                release(connection, generation)
            }
            throw error
        }
    }

    /// Closes every idle connection; later calls fail with `store_closed`.
    func close() async {
        let idle = state.withLock { s in
            s.closed = true
            defer { s.idle = [] }
            return s.idle.map(\.connection)
        }
        for c in idle { try? await c.close() }
    }

    private func lease() async throws -> (PostgresConnection, Int) {
        enum Next { case reuse(PostgresConnection, Int), connect(Int, Int, Int), discover(Int), closed }
        while true {
            let next: Next = state.withLock { s in
                if s.closed { return .closed }
                while let (c, g) = s.idle.popLast() {
                    if g == s.generation && !c.isClosed { return .reuse(c, g) }
                }
                let id = s.nextID
                s.nextID += 1
                if let p = s.primary { return .connect(p, s.generation, id) }
                return .discover(s.generation)
            }
            switch next {
            case .closed:
                throw StoreError(.closed, "the PostgreSQL log was closed")
            case .reuse(let c, let g):
                return (c, g)
            case .connect(let host, let generation, let id):
                do {
                    return (try await connect(host, id: id), generation)
                } catch {
                    forget(generation)
                    throw error
                }
            case .discover(let generation):
                let (host, connection) = try await discover()
                let adopted = state.withLock { s -> Int? in
                    guard s.generation == generation, !s.closed else { return nil }
                    s.primary = host
                    return s.generation
                }
                if let g = adopted {
                    logger.notice("the PostgreSQL primary is \(configuration.hosts[host])")
                    return (connection, g)
                }
                try? await connection.close()
            }
        }
    }

    private func release(_ connection: PostgresConnection, _ generation: Int) {
        let keep = state.withLock { s in
            guard !s.closed, generation == s.generation, s.idle.count < maxIdle, !connection.isClosed else { return false }
            s.idle.append((connection, generation))
            return true
        }
        if !keep { connection.close().whenComplete { _ in } }
    }

    /// The primary is unknown from now on (unless another call already found a new one).
    private func forget(_ generation: Int) {
        let stale = state.withLock { s -> [PostgresConnection] in
            guard s.generation == generation else { return [] }
            s.generation += 1
            s.primary = nil
            defer { s.idle = [] }
            return s.idle.map(\.connection)
        }
        for c in stale { c.close().whenComplete { _ in } }
    }

    /// Asks every host in turn; the first that is not in recovery is the primary.
    private func discover() async throws -> (Int, PostgresConnection) {
        var seen: [String] = []
        for (i, endpoint) in configuration.hosts.enumerated() {
            let id = state.withLock { s in defer { s.nextID += 1 }; return s.nextID }
            do {
                let c = try await connect(i, id: id)
                var standby = true
                do {
                    for try await inRecovery in try await c.query("SELECT pg_is_in_recovery()", logger: logger).decode(Bool.self) {
                        standby = inRecovery
                    }
                } catch {
                    try? await c.close()
                    throw error
                }
                if !standby { return (i, c) }
                try? await c.close()
                seen.append("\(endpoint): a standby")
            } catch {
                seen.append("\(endpoint): \(Self.describe(error))")
            }
        }
        throw StoreError(.unavailable, "no PostgreSQL primary among the configured hosts (\(seen.joined(separator: "; "))); a failover may be under way: retry shortly")
    }

    private func connect(_ host: Int, id: Int) async throws -> PostgresConnection {
        let endpoint = configuration.hosts[host]
        var c = PostgresConnection.Configuration(
            host: endpoint.host, port: endpoint.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        let (seconds, attoseconds) = configuration.connectTimeout.components
        c.options.connectTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return try await PostgresConnection.connect(configuration: c, id: id, logger: logger)
    }

    /// Whether `error` means the connection or the primary is gone: the connection broke, or the
    /// server is read-only (a demoted primary), shutting down, or refusing connections.
    static func primaryLost(_ error: any Error) -> Bool {
        if let t = error as? PostgresTransactionError {
            return [t.beginError, t.closureError, t.commitError, t.rollbackError].contains { $0.map(primaryLost) ?? false }
        }
        guard let e = error as? PSQLError else { return error is NIOConnectionError || error is ChannelError || error is IOError }
        switch e.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            return true
        case .server:
            guard let state = e.serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("08") || ["25006", "57P01", "57P02", "57P03", "53300"].contains(state)
        default:
            return false
        }
    }

    /// A short description of a connection failure, for messages.
    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return message }
            if let underlying = e.underlying { return "\(e.code): \(underlying)" }
            return "\(e.code)"
        }
        return String(describing: error)
    }
}
