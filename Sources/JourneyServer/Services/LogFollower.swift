import JourneyPostgres
import JourneyStore
import Logging
import ServiceLifecycle

/// On a node whose log is on PostgreSQL: keeps the node's replica caught up with the other
/// nodes' appends (``PostgresUpstream/follow(_:poll:logger:)``) until graceful shutdown.
struct LogFollower: Service {
    let upstream: PostgresUpstream
    let store: EventStore
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await upstream.follow(store, logger: logger)
        }
    }
}
