import Foundation
public import Hummingbird
import HummingbirdCore
import JourneyCore
import JourneyPostgres
import JourneyStore
public import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
public import UnixSignals

/// `journeyctl serve`: the HTTP API and the projection worker over one store, as one process.
///
/// ``run()`` opens nothing itself: create the server (which opens the store), run it, and it
/// closes the store when it has stopped. SIGTERM/SIGINT (or ``shutdown()``) stop accepting
/// connections, let requests in flight finish, let the worker commit, then close LMDB.
public final class JourneyServer: Sendable {
    public let state: ServerState
    private let listening = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))
    private let group = Mutex<ServiceGroup?>(nil)

    /// The log on PostgreSQL this node is a replica of (``ServerConfiguration/log``), if any,
    /// and the replica.
    private let replica: (upstream: PostgresUpstream, store: EventStore)?
    private var upstream: PostgresUpstream? { replica?.upstream }

    /// Validates the configuration and opens the store in the data folder (an embedded log;
    /// a configuration naming a PostgreSQL log needs ``open(configuration:logger:)``).
    public convenience init(configuration: ServerConfiguration, logger: Logger) throws {
        try configuration.validate()
        guard configuration.log == nil else {
            throw StoreError(.invalidArgument, "a log on PostgreSQL is opened with JourneyServer.open(configuration:logger:)")
        }
        try self.init(configuration: configuration, store: try EventStore(Self.storeConfiguration(configuration)), upstream: nil, logger: logger)
    }

    /// Validates the configuration and opens the store: in the data folder, or, with
    /// ``ServerConfiguration/log``, the node's replica of the log on PostgreSQL there (built from
    /// the log when new; this waits until it has taken in what the log holds).
    public static func open(configuration: ServerConfiguration, logger: Logger) async throws -> JourneyServer {
        try configuration.validate()
        guard let url = configuration.log else { return try JourneyServer(configuration: configuration, logger: logger) }
        let upstream = try await PostgresUpstream(url: url)
        do {
            logger.notice("the log is on PostgreSQL (\(upstream.name)); taking in what this node's replica in \(configuration.dataDirectory) lacks")
            if let warning = try? await upstream.log.durabilityWarning() { logger.warning("\(warning)") }
            if let notice = try? await upstream.log.tuningNotice() { logger.notice("\(notice)") }
            // New views start under the model the cluster shares (else they would be built twice).
            let shared = try await upstream.sharedModel().flatMap { try? JourneyModel.parse($0) }
            var replica = try storeConfiguration(configuration)
            replica.syncReplica = configuration.syncReplica
            let store = try await upstream.openReplica(replica)
            if store.discardedUnflushedReplica {
                logger.warning("this node's replica in \(configuration.dataDirectory) was written unflushed before the machine restarted; it was built again from the log (nothing acknowledged is lost: the log holds it)")
            }
            do {
                return try JourneyServer(configuration: configuration, store: store, upstream: upstream, initialModel: shared, logger: logger)
            } catch {
                store.close()
                throw error
            }
        } catch {
            await upstream.close()
            throw error
        }
    }

    private static func storeConfiguration(_ configuration: ServerConfiguration) throws -> StoreConfiguration {
        var c = StoreConfiguration(directory: configuration.dataDirectory)
        c.limits.maxEventBytes = configuration.maxEventBytes
        c.masterKey = try configuration.loadMasterKey()
        c.allowUnencrypted = configuration.unencrypted
        return c
    }

    private init(configuration: ServerConfiguration, store: EventStore, upstream: PostgresUpstream?, initialModel: JourneyModel? = nil, logger: Logger) throws {
        replica = upstream.map { ($0, store) }
        do {
            var engineConfiguration = EngineConfiguration()
            engineConfiguration.liveChunkEvents = configuration.projectionChunkEvents
            engineConfiguration.rebuildSaveInterval = .seconds(configuration.rebuildSaveSeconds)
            engineConfiguration.initialModel = initialModel
            let engine = try JourneyEngine(store: store, configuration: engineConfiguration)
            if let notice = engine.openingNotice { logger.warning("\(notice)") }
            var state = ServerState(store: store, engine: engine, configuration: configuration, logger: logger)
            state.upstream = upstream
            self.state = state
        } catch {
            store.close()
            throw error
        }
    }

    /// The router with every route and middleware.
    public static func router(state: ServerState) -> Router<JourneyRequestContext> {
        let router = Router(context: JourneyRequestContext.self)
        router.add(middleware: RequestLogMiddleware(logger: state.logger, metrics: state.metrics))
        router.add(middleware: ProblemMiddleware(logger: state.logger, maxBodyBytes: state.configuration.maxBodyBytes))
        router.add(middleware: TimeoutMiddleware(limit: .milliseconds(Int(state.configuration.requestTimeoutSeconds * 1000))))
        router.add(middleware: TokenAuthenticator(tokens: state.configuration.tokens))
        EventRoutes.add(to: router, state: state)
        CustomerRoutes.add(to: router, state: state)
        ErasureRoutes.add(to: router, state: state)
        IdentityRoutes.add(to: router, state: state)
        SegmentRoutes.add(to: router, state: state)
        ViewRoutes.add(to: router, state: state)
        MapRoutes.add(to: router, state: state)
        ProjectionRoutes.add(to: router, state: state)
        OperationsRoutes.add(to: router, state: state)
        PageRoutes.add(to: router)
        return router
    }

    /// The application: HTTP server plus the projection worker, as one service.
    public func application() -> some ApplicationProtocol {
        let c = state.configuration
        let worker = ProjectionWorker(
            engine: state.engine, store: state.store, pollInterval: .milliseconds(c.pollIntervalMilliseconds),
            coalesce: .milliseconds(max(0, c.coalesceMilliseconds)), logger: state.logger)
        return Application(
            router: Self.router(state: state),
            server: .http1(configuration: .init(
                idleTimeout: .milliseconds(Int64(c.idleTimeoutSeconds * 1000)),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: c.maxHeaderBytes, maxHeaderListSize: c.maxHeaderBytes, maxHeaderFieldCount: 200))),
            configuration: .init(
                address: .hostname(c.host, port: c.port), serverName: "journey-store",
                availableConnectionsDelegate: .maximum(c.maxConnections, logger: state.logger)),
            services: replica.map { [worker, LogFollower(upstream: $0.upstream, store: $0.store, logger: state.logger), ModelFollower(upstream: $0.upstream, state: state)] as [any Service] } ?? [worker],
            onServerRunning: { [weak self] channel in
                let port = channel.localAddress?.port ?? 0
                self?.state.logger.notice("listening on http://\(c.host):\(port) (data \(c.dataDirectory))")
                self?.listened(port)
            },
            logger: state.logger)
    }

    private func listened(_ port: Int) {
        let waiters = listening.withLock { l -> [CheckedContinuation<Int, Never>] in
            l.port = port
            defer { l.waiters.removeAll() }
            return l.waiters
        }
        for w in waiters { w.resume(returning: port) }
    }

    /// The port the server listens on, once it does.
    public func port() async -> Int {
        await withCheckedContinuation { c in
            let ready = listening.withLock { l -> Int? in
                if let p = l.port { return p }
                l.waiters.append(c)
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// Runs until SIGTERM/SIGINT or ``shutdown()``, then stops gracefully and closes the store.
    public func run(signals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        let app = application()
        let serviceGroup = ServiceGroup(configuration: .init(
            services: [.init(service: app)], gracefulShutdownSignals: signals, logger: state.logger))
        group.withLock { $0 = serviceGroup }
        defer { group.withLock { $0 = nil } }
        startRebuildIfNeeded()
        do {
            try await serviceGroup.run()
        } catch {
            await stopBackground()
            state.store.close()
            await upstream?.close()
            throw error
        }
        await stopBackground()
        state.store.close()
        await upstream?.close()
        state.logger.notice("stopped; the store is closed")
    }

    /// Stops gracefully: no new connections, requests in flight finish, the worker commits.
    public func shutdown() async {
        let g = group.withLock { $0 }
        await g?.triggerGracefulShutdown()
    }

    /// A store made before one of the projections existed (the journey map) gets it built by a
    /// rebuild of all projections beside the live views, started here; the others answer meanwhile.
    private func startRebuildIfNeeded() {
        guard let status = try? state.engine.queries.status() else { return }
        let unbuilt = status.filter { $0.state == "needs-rebuild" }.map(\.name)
        guard !unbuilt.isEmpty, !status.contains(where: { $0.rebuild != nil }) else { return }
        state.logger.notice("\(unbuilt.joined(separator: ", ")) not built yet on this store: rebuilding all projections beside the live views")
        ProjectionRoutes.startRebuild(ProjectionKind.allCases, model: nil, state: state)
    }

    private func stopBackground() async {
        state.engine.rebuilder.cancel()
        await state.background.waitForAll()
    }
}
