import Synchronization

/// Tells in-process listeners (projection workers, read-your-writes waiters, live tails) that
/// the log's head moved. Each subscriber sees the newest head; intermediate values may be skipped.
public final class CommitNotifier: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<UInt64>.Continuation] = [:]
    }

    init() {}

    /// A stream of head positions, one element per commit seen (latest wins when slow).
    public func subscribe() -> AsyncStream<UInt64> {
        let (stream, continuation) = AsyncStream<UInt64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { s in
            s.next += 1
            s.subscribers[s.next] = continuation
            return s.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(head: UInt64) {
        let subs = state.withLock { Array($0.subscribers.values) }
        for c in subs { c.yield(head) }
    }

    func finish() {
        let subs = state.withLock { s in
            let all = Array(s.subscribers.values)
            s.subscribers.removeAll()
            return all
        }
        for c in subs { c.finish() }
    }
}
