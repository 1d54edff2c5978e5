public import JourneyStore
package import LMDBKit

/// The derived side of the journey store, over a log: the live projections that follow it
/// (``live``), the rebuilder that builds new generations beside them and activates models
/// (``rebuilder``), the read-only queries (``queries``), and erasure, which needs them all.
///
/// The views are kept in LMDB: for the embedded store, in an environment of their own beside
/// the log's (`views/data.mdb`), so the projection worker's commits never wait for the
/// appends' writer lock, nor the appends for the worker's. Every part does
/// its work in transactions of bounded size, synchronously: call them from threads that may
/// block (the server runs them on its own queues).
public final class JourneyEngine: Sendable {
    /// The log the views are derived from.
    public let log: any EventLog
    public let configuration: EngineConfiguration
    /// The live projections (catch up, run a chunk, the applied position).
    public let live: LiveProjections
    /// Rebuilds and model activation.
    public let rebuilder: Rebuilder
    /// Answers from the views.
    public let queries: JourneyQueries
    let views: ViewStore
    /// What opening found and did, for the operator (`nil` usually): the views moved out of the
    /// log's file (a store made by an earlier version), or views that did not match the log
    /// (e.g. an older log restored under newer views) emptied to be rebuilt from it.
    public let openingNotice: String?

    /// The journey layer over the embedded store, its views in `views/data.mdb` beside the log.
    public convenience init(store: EventStore, configuration: EngineConfiguration = EngineConfiguration()) throws(StoreError) {
        try self.init(log: store, views: store.viewsEnvironment(), configuration: configuration)
    }

    /// The journey layer over any log, its views in `views` (created on first use, with the
    /// default model active).
    package init(log: any EventLog, views environment: Environment, configuration: EngineConfiguration = EngineConfiguration()) throws(StoreError) {
        self.log = log
        self.configuration = configuration
        views = try ViewStore(log: log, environment: environment, initialModel: configuration.initialModel)
        var notices: [String] = []
        if views.movedOutOfLog {
            notices.append("the views were moved out of the log's data.mdb into views/data.mdb (once: the store is now format 4, which earlier builds refuse); the space they took in data.mdb is reclaimed by journeyctl compact (server stopped)")
        }
        do {
            if let reset = try views.resetIfAheadOfLog() { notices.append(reset) }
        } catch {
            throw StoreError.wrap(error)
        }
        openingNotice = notices.isEmpty ? nil : notices.joined(separator: "; ")
        live = LiveProjections(views: views, configuration: configuration)
        rebuilder = Rebuilder(views: views, configuration: configuration)
        queries = JourneyQueries(viewStore: views, live: live)
    }
}
