import Dispatch
public import JourneyCore
public import JourneyStore
public import Logging
public import ServiceLifecycle

/// The projection worker: a long-running service that keeps the views up to date. Woken at once
/// by commits in this process, it polls for appends by other processes, and applies events in
/// chunks on its own serial queue (blocking LMDB work never runs on the concurrency pool). On
/// graceful shutdown it finishes the chunk in progress and stops.
public struct ProjectionWorker: Service {
    let engine: JourneyEngine
    let store: any EventLog
    let pollInterval: Duration
    /// After a wake-up with little to do, how long to let more commits gather before applying
    /// them: one projection commit then serves many appends (fewer fsyncs, fewer rewrites).
    let coalesce: Duration
    let logger: Logger
    private static let queue = DispatchQueue(label: "journey.projections")

    public init(engine: JourneyEngine, store: any EventLog, pollInterval: Duration, coalesce: Duration = .milliseconds(10), logger: Logger) {
        self.engine = engine
        self.store = store
        self.pollInterval = pollInterval
        self.coalesce = coalesce
        self.logger = logger
    }

    public func run() async throws {
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let result = try await BlockingWork.run(on: Self.queue) { try engine.live.runChunk() }
                if failures > 0 { logger.notice("projections are applying events again") }
                failures = 0
                if result.more { continue }
            } catch {
                failures += 1
                if failures == 1 || failures % 60 == 0 { logger.error("projection worker: \(error) (retrying)") }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
                continue
            }
            let applied = engine.live.applied.value
            let poll = pollInterval
            let head: UInt64? = await cancelWhenGracefulShutdown {
                await store.commits.waitForCommit(after: applied, timeout: poll)
            }
            if let head, head > applied, coalesce > .zero {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: coalesce) }
            }
        }
    }
}
