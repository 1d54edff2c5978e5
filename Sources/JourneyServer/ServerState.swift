import Foundation
public import JourneyCore
public import JourneyStore
public import Logging
import JourneyPipelines
import JourneyPostgres

/// What every route shares: the log, the journey engine, the configuration, metrics.
public struct ServerState: Sendable {
    public let store: any EventLog
    public let engine: JourneyEngine
    public let configuration: ServerConfiguration
    public let metrics: ServerMetrics
    public let logger: Logger
    let parser: EventParser
    /// Segment's messages and CloudEvents, mapped as ``ServerConfiguration/mapping`` says.
    let segment: SegmentMapper
    let cloudEvents: CloudEventMapper
    let background: BackgroundTasks
    /// The log on PostgreSQL this node is a replica of, if any: the journey model is shared
    /// through it (``ModelFollower``).
    var upstream: PostgresUpstream?

    public init(store: any EventLog, engine: JourneyEngine, configuration: ServerConfiguration, logger: Logger) {
        self.store = store
        self.engine = engine
        self.configuration = configuration
        self.metrics = ServerMetrics()
        self.logger = logger
        var limits = store.limits
        limits.maxEventBytes = configuration.maxEventBytes
        self.parser = EventParser(limits: limits)
        self.segment = SegmentMapper(mapping: configuration.mapping.segment, limits: limits)
        self.cloudEvents = CloudEventMapper(mapping: configuration.mapping.cloudEvents, limits: limits)
        self.background = BackgroundTasks()
    }
}

/// Long operations started by requests (rebuilds, model activations) that outlive them; the
/// server waits for them (after asking them to stop) before it closes the store.
final class BackgroundTasks: Sendable {
    private let tasks = Mutex<(next: Int, running: [Int: Task<Void, Never>])>((0, [:]))

    func start(_ work: @escaping @Sendable () async -> Void) {
        tasks.withLock { t in
            t.next += 1
            let id = t.next
            t.running[id] = Task { [weak self] in
                // Background work outlives the request that started it: no request deadline.
                await RequestDeadline.$current.withValue(nil) { await work() }
                self?.finished(id)
            }
        }
    }

    private func finished(_ id: Int) {
        _ = tasks.withLock { $0.running.removeValue(forKey: id) }
    }

    /// Waits for every running task.
    func waitForAll() async {
        let running = tasks.withLock { Array($0.running.values) }
        for t in running { await t.value }
    }
}

import Synchronization
