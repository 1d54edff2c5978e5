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
    /// Each open connection's close watcher.
    private let watches = Mutex<[ObjectIdentifier: ConnectionWatch]>([:])
    /// Connections kept open between calls.
    let maxIdle = 8

    init(_ configuration: PostgresLog.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` on a connection to the primary. A connection-level failure (or a primary that
    /// is one no more) is thrown as it came; the connection is dropped and the primary forgotten.
    ///
    /// `body` is raced against the connection's closing: a query in flight when the server goes
    /// away is not always failed by the driver (seen with PostgreSQL shut down immediately), and
    /// an append must not wait for ever. When the connection closes first, the call fails with
    /// ``ConnectionClosed`` (``CommitFailed`` when `COMMIT` had been sent) and `body` is left to end
    /// by itself.
    func withConnection<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Progress) async throws -> R) async throws -> R {
        let (connection, generation) = try await lease()
        let progress = Progress()
        do {
            let result = try await raceAgainstClose(connection, progress) { try await body(connection, progress) }
            release(connection, generation)
            return result
        } catch {
            if connection.isClosed || Self.primaryLost(error) {
                forget(generation)
                Self.drop(connection)
            } else {
                release(connection, generation)
            }
            throw error
        }
    }

    /// ``withConnection(_:)`` for a body that does not commit.
    func withConnection<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        try await withConnection { c, _ in try await body(c) }
    }

    private func raceAgainstClose<R: Sendable>(_ connection: PostgresConnection, _ progress: Progress,
                                               _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        // The watch leaves the table when its connection closes: a connection that closed after
        // `lease` saw it open has none, and must fail now (not wait for `callTimeout` on a query
        // the driver may never answer).
        guard let watch = watches.withLock({ $0[ObjectIdentifier(connection)] }) else { throw ConnectionClosed() }
        let race = Once()
        let limit = configuration.callTimeout.components
        return try await withCheckedThrowingContinuation { continuation in
            // A host that went silent (no reset: power lost, a partition) keeps the socket open
            // for as long as TCP retries; the call closes it after `callTimeout` instead, which
            // ends the call the way a broken connection does (outcome unknown after `COMMIT`).
            let silent = connection.eventLoop.scheduleTask(in: .nanoseconds(limit.seconds * 1_000_000_000 + limit.attoseconds / 1_000_000_000)) {
                let closing: EventLoopFuture<Void> = connection.close()
                closing.whenComplete { _ in }
            }
            Task {
                let result: Result<R, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                silent.cancel()
                watch.disarm()
                if race.claim() { continuation.resume(with: result) }
            }
            watch.arm {
                // The body's own failure, which usually comes with the close, goes first.
                connection.eventLoop.scheduleTask(in: .milliseconds(200)) {
                    guard race.claim() else { return }
                    continuation.resume(throwing: progress.committing ? CommitFailed(underlying: ConnectionClosed()) : ConnectionClosed())
                }
            }
        }
    }

    /// One close watcher per connection, registered when it opens: a call arms it for its own
    /// length (a callback on `closeFuture` per call would pile up on a pooled connection until
    /// it closes).
    final class ConnectionWatch: Sendable {
        private struct State {
            var waiter: (@Sendable () -> Void)?
            var closed = false
        }
        private let state = Mutex(State())

        /// Calls `waiter` when the connection closes (at once when it has).
        func arm(_ waiter: @escaping @Sendable () -> Void) {
            let closed = state.withLock { s in
                if !s.closed { s.waiter = waiter }
                return s.closed
            }
            if closed { waiter() }
        }

        func disarm() { state.withLock { $0.waiter = nil } }

        func connectionClosed() {
            let waiter = state.withLock { s in
                s.closed = true
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?()
        }
    }

    /// Runs `body` in a transaction on a connection to the primary: `BEGIN`, `body`, `COMMIT`.
    /// An error from `body` rolls back (on a connection that still works; a broken one is
    /// dropped, and the server rolls back by itself); a failed `COMMIT` is thrown as
    /// ``CommitFailed``: whether it was applied is unknown.
    func transaction<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        try await withConnection { c, progress in
            try await c.run("BEGIN", logger: self.logger)
            let result: R
            do {
                result = try await body(c)
            } catch {
                if !c.isClosed && !Self.primaryLost(error) { _ = try? await c.run("ROLLBACK", logger: self.logger) }
                throw error
            }
            progress.committing = true
            do {
                try await c.run("COMMIT", logger: self.logger)
            } catch {
                throw CommitFailed(underlying: error)
            }
            return result
        }
    }

    /// A connection to the primary of its own, outside the pool and its call timeout (a `LISTEN`
    /// that waits for notifications as long as it lives); the caller closes it (``drop(_:)``).
    func dedicatedConnection() async throws -> PostgresConnection {
        try await lease().0
    }

    /// How far a call got: whether `COMMIT` was sent.
    final class Progress: Sendable {
        private let flag = Atomic<Bool>(false)
        var committing: Bool {
            get { flag.load(ordering: .acquiring) }
            set { flag.store(newValue, ordering: .releasing) }
        }
    }

    /// The connection closed while a call was waiting for the server.
    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the connection closed while waiting for the server" }
    }

    /// A `COMMIT` that failed: the transaction may or may not have been applied.
    struct CommitFailed: Error {
        var underlying: any Error
    }

    /// Closes `connection` without waiting: a connection to a server that died or stopped
    /// answering must not hold up the caller.
    static func drop(_ connection: PostgresConnection) {
        // The closure keeps the connection alive until it is closed (it must not go away open).
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// A pool let go without ``close()`` (an opening that failed half-way) still closes its
    /// connections: postgres-nio requires it of every connection before it goes away.
    deinit {
        for c in state.withLock({ $0.idle.map(\.connection) }) { Self.drop(c) }
    }

    /// Closes every idle connection; later calls fail with `store_closed`.
    func close() async {
        let idle = state.withLock { s in
            s.closed = true
            defer { s.idle = [] }
            return s.idle.map(\.connection)
        }
        for c in idle { Self.drop(c) }
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
                    return (try await connectToPrimary(host, id: id), generation)
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
                Self.drop(connection)
            }
        }
    }

    private func release(_ connection: PostgresConnection, _ generation: Int) {
        let keep = state.withLock { s in
            guard !s.closed, generation == s.generation, s.idle.count < maxIdle, !connection.isClosed else { return false }
            s.idle.append((connection, generation))
            return true
        }
        if !keep { Self.drop(connection) }
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
        for c in stale { Self.drop(c) }
    }

    /// Asks every host in turn; the first that is not in recovery is the primary.
    private func discover() async throws -> (Int, PostgresConnection) {
        var seen: [String] = []
        for (i, endpoint) in configuration.hosts.enumerated() {
            let id = state.withLock { s in defer { s.nextID += 1 }; return s.nextID }
            do {
                let (c, standby) = try await within(configuration.connectTimeout, "asking \(endpoint) whether it is the primary") {
                    let c = try await self.connect(i, id: id)
                    do {
                        var standby = true
                        for try await inRecovery in try await c.query("SELECT pg_is_in_recovery()", logger: self.logger).decode(Bool.self) {
                            standby = inRecovery
                        }
                        return (c, standby)
                    } catch {
                        Self.drop(c)
                        throw error
                    }
                }
                if !standby { return (i, c) }
                Self.drop(c)
                seen.append("\(endpoint): a standby")
            } catch {
                seen.append("\(endpoint): \(Self.describe(error))")
            }
        }
        throw StoreError(.unavailable, "no PostgreSQL primary among the configured hosts (\(seen.joined(separator: "; "))); a failover may be under way: retry shortly")
    }

    /// A new connection to the known primary, its handshake bounded by the connect timeout.
    private func connectToPrimary(_ host: Int, id: Int) async throws -> PostgresConnection {
        try await within(configuration.connectTimeout, "connecting to the PostgreSQL primary \(configuration.hosts[host])") {
            (try await self.connect(host, id: id), ())
        }.0
    }

    /// `connectTimeout` bounds the TCP connect only: a server that is shutting down (or a host
    /// that stopped answering) can accept a connection and never complete the handshake, and the
    /// handshake does not end when its task is cancelled. So the attempt runs in a task of its
    /// own, raced against the deadline; one that answers after the deadline has its connection
    /// closed.
    private func within<R: Sendable>(_ limit: Duration, _ doing: String, _ body: @escaping @Sendable () async throws -> (PostgresConnection, R))
        async throws -> (PostgresConnection, R) {
        let race = Once()
        return try await withCheckedThrowingContinuation { continuation in
            let attempt = Task {
                let result: Result<(PostgresConnection, R), any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                if !race.claim() {
                    if case .success(let (c, _)) = result { Self.drop(c) }
                    return
                }
                continuation.resume(with: result)
            }
            Task {
                try? await Task.sleep(for: limit)
                guard race.claim() else { return }
                attempt.cancel()
                continuation.resume(throwing: StoreError(.unavailable, "\(doing): no answer within \(limit)"))
            }
        }
    }

    private func connect(_ host: Int, id: Int) async throws -> PostgresConnection {
        let endpoint = configuration.hosts[host]
        var c = PostgresConnection.Configuration(
            host: endpoint.host, port: endpoint.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        let (seconds, attoseconds) = configuration.connectTimeout.components
        c.options.connectTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        let connection = try await PostgresConnection.connect(configuration: c, id: id, logger: logger)
        let watch = ConnectionWatch()
        let key = ObjectIdentifier(connection)
        watches.withLock { $0[key] = watch }
        connection.closeFuture.whenComplete { [weak self] _ in
            self?.watches.withLock { $0[key] = nil }
            watch.connectionClosed()
        }
        return connection
    }

    /// Whether `error` means the connection or the primary is gone: the connection broke, or the
    /// server is read-only (a demoted primary), shutting down, or refusing connections.
    static func primaryLost(_ error: any Error) -> Bool {
        if let c = error as? CommitFailed { return primaryLost(c.underlying) }
        if error is ConnectionClosed { return true }
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
            if let underlying = e.underlying, !(underlying is PSQLError) { return "\(e.code): \(underlying)" }
            return "\(e.code)"
        }
        return String(describing: error)
    }
}
