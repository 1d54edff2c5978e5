public import JourneyStore
public import Logging
import PostgresNIO

extension PostgresUpstream {
    /// Keeps `store`, a replica of this log, caught up until the task is cancelled: it takes in
    /// new commits when PostgreSQL notifies one (`LISTEN journey_log` on a connection of its own
    /// to the primary, found again after a failover), and every `poll` anyway, in case a
    /// notification was missed (a connection lost, a failover). Failures are logged and retried.
    public func follow(_ store: EventStore, poll: Duration = .seconds(1), logger: Logger) async {
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let log = self.log
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var failures = 0
                while !Task.isCancelled {
                    do {
                        let c = try await log.primary.dedicatedConnection()
                        defer { PostgresPrimary.drop(c) }
                        try await c.listen(on: Self.channel) { notifications in
                            failures = 0
                            wake.yield()  // what was committed before the LISTEN took effect
                            for try await n in notifications {
                                // This node's own commits are in its replica already.
                                if let head = UInt64(n.payload), let local = try? store.headPosition(), head <= local { continue }
                                wake.yield()
                            }
                        }
                    } catch {
                        if Task.isCancelled { break }
                        failures += 1
                        if failures == 1 { logger.notice("listening for the log's commits: \(PostgresLog.storeError(error, "LISTEN journey_log").message); polling every \(poll) meanwhile") }
                    }
                    try? await Task.sleep(for: poll)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: poll)
                    wake.yield()
                }
            }
            var failing = false
            for await _ in wakes {
                if Task.isCancelled { break }
                do throws(StoreError) {
                    try await store.catchUpFully()
                    if failing { logger.notice("taking in the log's commits again") }
                    failing = false
                } catch {
                    if !failing { logger.warning("cannot take in the log's commits: \(error.message); retrying") }
                    failing = true
                }
            }
            group.cancelAll()
        }
    }
}
