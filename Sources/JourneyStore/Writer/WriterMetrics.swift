import Synchronization

/// Counters of the group-commit writer, for metrics and benchmarks.
public struct WriterMetrics: Sendable, Equatable {
    /// Write transactions committed.
    public var commits: Int
    /// Append requests completed (successfully or not).
    public var requests: Int
    /// Events written.
    public var events: Int
    /// Total time spent inside write transactions, in seconds (commit and fsync included).
    public var transactionSeconds: Double

    /// Average events per commit.
    public var eventsPerCommit: Double { commits == 0 ? 0 : Double(events) / Double(commits) }
    /// Average requests per commit (how much group commit is grouping).
    public var requestsPerCommit: Double { commits == 0 ? 0 : Double(requests) / Double(commits) }
}

/// Lock-free counters updated by the writer thread.
final class WriterCounters: Sendable {
    let commits = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    let events = Atomic<Int>(0)
    let nanoseconds = Atomic<Int>(0)

    var snapshot: WriterMetrics {
        WriterMetrics(
            commits: commits.load(ordering: .relaxed), requests: requests.load(ordering: .relaxed),
            events: events.load(ordering: .relaxed),
            transactionSeconds: Double(nanoseconds.load(ordering: .relaxed)) / 1e9)
    }
}
