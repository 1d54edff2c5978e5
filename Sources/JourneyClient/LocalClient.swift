import Foundation
public import JourneyCore
import JourneyPostgres
public import JourneyStore

/// The client over a data folder on this machine: the libraries themselves.
///
/// Opened for one command: for ``ClientIntent/readViews`` (and ``ClientIntent/writeAfterViews``) it brings the views up to date
/// first (with no server running, the CLI applies what was ingested before it answers), so a
/// user who ingests and then asks sees what was ingested.
public final class LocalClient: JourneyClient {
    /// How to open the folder.
    public struct Options: Sendable {
        public var directory: String
        public var masterKey: MasterKey?
        public var allowUnencrypted = false
        /// `false`: commits are not flushed one by one (`ingest --no-sync`); flushed at close.
        public var durable = true
        public var engine = EngineConfiguration()
        /// Called while the views catch up: events applied so far, and the head.
        public var catchUpProgress: (@Sendable (Int, UInt64) -> Void)?
        /// The log on PostgreSQL (`postgres://…`) whose replica the folder holds (made and built
        /// from the log when the folder is new), or `nil` for a lone store. Opened by
        /// ``open(_:intent:)``.
        public var log: String?
        /// With ``log``: flush every commit of the replica (``JourneyStore/StoreConfiguration/syncReplica``;
        /// default `false`, `JOURNEY_SYNC_REPLICA` in `journeyctl`).
        public var syncReplica = false

        public init(directory: String) {
            self.directory = directory
        }

        /// The folder, its master key and the unencrypted opt-out, as a store opens them.
        var storeConfiguration: StoreConfiguration {
            var c = StoreConfiguration(directory: directory)
            c.masterKey = masterKey
            c.allowUnencrypted = allowUnencrypted
            return c
        }
    }

    public let store: EventStore
    let engine: JourneyEngine
    let durable: Bool
    /// The log on PostgreSQL the store is a replica of, if any.
    let upstream: PostgresUpstream?
    /// The journey model that log shares, as read when the client was opened.
    let sharedModel: JourneyModel?

    /// Opens the lone store in `options.directory` (``Options/log`` must be `nil`: see
    /// ``open(_:intent:)``).
    public convenience init(_ options: Options, intent: ClientIntent) throws(StoreError) {
        guard options.log == nil else { throw StoreError(.invalidArgument, "a data folder that is a replica of a log on PostgreSQL is opened with LocalClient.open") }
        var config = options.storeConfiguration
        config.createIfMissing = intent == .write
        config.durable = options.durable
        try self.init(store: try EventStore(config), options: options, intent: intent, upstream: nil)
    }

    /// Opens the folder as ``init(_:intent:)`` does, or, with ``Options/log``, this machine's
    /// replica of that log in the folder (built from the log when new, and brought up to date
    /// with it first): appends then commit on PostgreSQL, as a node's do.
    public static func open(_ options: Options, intent: ClientIntent) async throws(StoreError) -> LocalClient {
        guard let url = options.log else { return try LocalClient(options, intent: intent) }
        guard options.durable else { throw StoreError(.invalidArgument, "--no-sync applies to a lone data folder: the log on PostgreSQL commits every append durably") }
        let upstream = try await PostgresUpstream(url: url, logLevel: .warning)
        do {
            var config = options.storeConfiguration
            config.createIfMissing = true
            config.syncReplica = options.syncReplica
            if intent.writes, let warning = try? await upstream.log.durabilityWarning() {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
            // The views run under the model the log shares (PUT /v1/model, model activate --log).
            let shared = try await upstream.sharedModel().flatMap { try? JourneyModel.parse($0) }
            var options = options
            options.engine.initialModel = shared
            let store = try await upstream.openReplica(config)
            if store.discardedUnflushedReplica {
                FileHandle.standardError.write(Data("warning: the replica in \(options.directory) was written unflushed before the machine restarted; it was built again from the log (nothing acknowledged is lost: the log holds it)\n".utf8))
            }
            let client = try LocalClient(store: store, options: options, intent: intent, upstream: upstream, sharedModel: shared, catchUp: false)
            do {
                // Views under another model than the log's are rebuilt under it first (for the
                // commands that read the views; the others do not wait for a rebuild).
                if intent.readsViews {
                    if let shared, try client.engine.queries.activeModel().version != shared.version {
                        FileHandle.standardError.write(Data("note: rebuilding the views under the log's shared journey model \(shared.name) version \(shared.version)\n".utf8))
                        _ = try await offPool { try client.engine.rebuilder.activate(shared) }
                    }
                    let head = try store.headPosition()
                    try client.engine.live.catchUp { options.catchUpProgress?($0, head) }
                }
            } catch {
                client.store.close()
                throw error
            }
            return client
        } catch {
            await upstream.close()
            throw StoreError.wrap(error)
        }
    }

    private init(store: EventStore, options: Options, intent: ClientIntent, upstream: PostgresUpstream?, sharedModel: JourneyModel? = nil,
                 catchUp: Bool = true) throws(StoreError) {
        self.store = store
        self.upstream = upstream
        self.sharedModel = sharedModel
        durable = options.durable
        do {
            engine = try JourneyEngine(store: store, configuration: options.engine)
            if let notice = engine.openingNotice { FileHandle.standardError.write(Data("note: \(notice)\n".utf8)) }
            if intent.readsViews && catchUp {
                let head = try store.headPosition()
                try engine.live.catchUp { options.catchUpProgress?($0, head) }
            }
        } catch {
            store.close()
            throw StoreError.wrap(error)
        }
    }

    /// Closes the store (and lets the connections to PostgreSQL go: the process is ending).
    public func close() {
        store.close()
        if let upstream { Task { await upstream.close() } }
    }

    public var place: String {
        guard let upstream else { return "data folder     \(store.configuration.directory)" }
        return "log             \(upstream.name) (replica in \(store.configuration.directory))"
    }

    // MARK: The log

    public func append(_ events: [NewEvent], expectations: [String: ExpectedVersion]) async throws -> AppendResult {
        try await store.append(events, expectations: expectations)
    }

    public func ingest(fileDescriptor fd: Int32, options: IngestOptions, report: @escaping @Sendable (IngestEvent) -> Void) async throws -> IngestSummary {
        let summary = try await NDJSONIngester(log: store, options: options).ingest(fileDescriptor: fd, report: report)
        if !durable {
            do { try store.sync() } catch { throw StoreError.wrap(error) }
        }
        return summary
    }

    public func events(customer: String?, from: UInt64?, backward: Bool, limit: Int) async throws -> EventLines {
        let page: [StoredEvent]
        if let customer {
            // A customer's stream, else an anonymous visitor's by that id (customer ids win).
            guard let stream = try store.resolve(customer), try store.streamVersion(stream) > 0 else { throw JourneyQueries.notFound(customer) }
            page = try store.readStream(stream, from: from, backward: backward, limit: limit)
        } else {
            page = try store.readLog(from: from, backward: backward, limit: limit)
        }
        var out: [UInt8] = []
        out.reserveCapacity(page.count * 320)
        for e in page {
            e.withView { EventJSON.append($0, position: e.position, to: &out) }
            out.append(0x0A)
        }
        var next: UInt64?
        if page.count == limit, let last = page.last {
            let cursor = customer == nil ? last.position : last.version
            next = backward ? (cursor > 1 ? cursor - 1 : nil) : cursor + 1
        }
        return EventLines(ndjson: out, count: page.count, next: next)
    }

    public func statistics() async throws -> StoreStatistics { try store.statistics() }

    /// The folder's store; on a replica, the log on PostgreSQL too (its positions, records,
    /// chain and head row): a problem there is the report's problem.
    public func verify(sealed: Bool, progress: (@Sendable (UInt64) -> Void)?) async throws -> VerifyReport {
        let upstreamCheck = try await upstream?.log.verify()
        var report = try store.verify(sealed: sealed, progress: progress)
        if let upstream, let check = upstreamCheck, let problem = check.problem, report.problem == nil {
            report.problem = "the log on PostgreSQL (\(upstream.name)): \(problem)"
            report.firstBadPosition = check.checked + 1
            report.checked = check.checked
        }
        return report
    }

    // MARK: The views

    public func customer(_ id: String, asOf: Timestamp?, knownAt: Timestamp?) async throws -> CustomerStateOutput {
        try engine.queries.customer(id, asOf: asOf, knownAt: knownAt)
    }

    public func journey(_ id: String, asOf: Timestamp?, knownAt: Timestamp?) async throws -> JourneyOutput {
        try engine.queries.journey(id, asOf: asOf, knownAt: knownAt)
    }

    public func funnel() async throws -> FunnelOutput { try engine.queries.funnel() }

    public func map(_ query: MapQuery) async throws -> MapOutput { try engine.queries.map(query) }

    public func mapPaths(stage: String, segment: String?, at: Timestamp?, limit: Int) async throws -> MapPathsOutput {
        try engine.queries.mapPaths(stage: stage, segment: segment, at: at, limit: limit)
    }

    public func atRisk(stage: String?, reason: String?, at: Timestamp?, after: String?, limit: Int) async throws -> AtRiskPage {
        try engine.queries.atRisk(stage: stage, reason: reason, at: at, after: after, limit: limit)
    }

    public func customers(inStage stage: String, after: String?, limit: Int) async throws -> CustomerPage {
        try engine.queries.customers(inStage: stage, after: after, limit: limit)
    }

    public func advocates(level: String?, after: String?, limit: Int) async throws -> CustomerPage {
        try engine.queries.advocates(level: level, after: after, limit: limit)
    }

    // MARK: Projections and the model

    public func projections() async throws -> [ProjectionStatus] { try engine.queries.status() }

    public func faults(limit: Int) async throws -> [ProjectionFault] { try engine.queries.faults(limit: limit) }

    public func rebuild(_ kinds: [ProjectionKind], progress: (@Sendable ([RebuildProgress]) -> Void)?) async throws -> [RebuildProgress] {
        try await Self.offPool { [engine] in try engine.rebuilder.rebuild(kinds, progress: progress) }
    }

    public func simulate(_ model: JourneyModel, sampleSize: Int) async throws -> SimulationReport {
        try engine.queries.simulate(model, sampleSize: sampleSize)
    }

    public func activeModel() async throws -> JourneyModel {
        let active = try engine.queries.activeModel()
        if let sharedModel, sharedModel.version != active.version {
            FileHandle.standardError.write(Data("note: the log's shared journey model is \(sharedModel.name) version \(sharedModel.version); this folder's views run version \(active.version) until a command that reads them (customer, funnel, map, …) rebuilds them\n".utf8))
        }
        return active
    }

    public func activate(_ model: JourneyModel, progress: (@Sendable ([RebuildProgress]) -> Void)?) async throws -> [RebuildProgress] {
        // The model of every node of the log, as PUT /v1/model shares it.
        if let upstream, try await !upstream.shareModel(model.document, version: model.version) {
            throw StoreError(.invalidArgument, "model version \(model.version) was shared with the log's nodes with different content; give the new document a new version")
        }
        return try await Self.offPool { [engine] in try engine.rebuilder.activate(model, progress: progress) }
    }

    // MARK: Privacy

    public func erase(_ id: String, by: String?, reason: String?) async throws -> ErasureRecord {
        let actor = by ?? "cli:\(ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName)"
        return try await Self.offPool { [engine] in
            let record = try engine.erase(id, by: actor, reason: reason)
            _ = try engine.live.catchUp()
            return record
        }
    }

    public func erasures(customerId: String?) async throws -> [ErasureRecord] { try store.erasures(customerId: customerId) }

    // MARK: Identities

    public func changeIdentity(_ request: IdentityChangeRequest) async throws -> IdentityChangeRecord {
        let actor = request.by ?? "cli:\(ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName)"
        let from = try engine.stream(request.from, kind: request.fromKind, field: "from")
        let into = try engine.stream(request.into, kind: request.intoKind, field: "into")
        return try await Self.offPool { [engine] in
            request.unmerge
                ? try engine.unmerge(from, into: into, by: actor, reason: request.reason)
                : try engine.merge(from, into: into, by: actor, reason: request.reason)
        }
    }

    public func identities(of id: String) async throws -> IdentityListing { try engine.identities(of: id) }

    /// Runs `body`, which blocks on the store's writer, on a thread of its own: a replica's
    /// writer waits for PostgreSQL through tasks that need Swift's cooperative threads, which a
    /// caller blocked on one of them must not hold (with one core there is only one).
    static func offPool<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { c in
            let thread = Thread { c.resume(with: Result { try body() }) }
            thread.name = "journey-cli-work"
            thread.start()
        }
    }
}
