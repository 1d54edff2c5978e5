import Synchronization

/// Tells in-process listeners (projection workers, read-your-writes waiters, live tails) that
/// the log's head moved. Each subscriber sees the newest head; intermediate values may be skipped.
public final class CommitNotifier: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<UInt64>.Continuation] = [:]
        var head: UInt64 = 0
        var waiters: [Int: CheckedContinuation<UInt64, Never>] = [:]
        var finished = false
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
        let (subs, waiters) = state.withLock { s -> ([AsyncStream<UInt64>.Continuation], [CheckedContinuation<UInt64, Never>]) in
            s.head = max(s.head, head)
            let w = Array(s.waiters.values)
            s.waiters.removeAll()
            return (Array(s.subscribers.values), w)
        }
        for c in subs { c.yield(head) }
        for w in waiters { w.resume(returning: head) }
    }

    /// Waits until this process commits past `position`, or `timeout` passes, or the store
    /// closes; returns the latest head this process committed (it may still be `position`).
    /// Appends by other processes are not seen here: poll for those.
    public func waitForCommit(after position: UInt64, timeout: Duration) async -> UInt64 {
        let id = state.withLock { s -> Int in
            s.next += 1
            return s.next
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.resumeWaiter(id)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<UInt64, Never>) in
                let ready = state.withLock { s -> UInt64? in
                    if s.head > position || s.finished { return s.head }
                    s.waiters[id] = c
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: { [weak self] in
            self?.resumeWaiter(id)
        }
    }

    private func resumeWaiter(_ id: Int) {
        let (w, head) = state.withLock { s in (s.waiters.removeValue(forKey: id), s.head) }
        w?.resume(returning: head)
    }

    func finish() {
        let (subs, waiters, head) = state.withLock { s in
            let all = Array(s.subscribers.values)
            s.subscribers.removeAll()
            s.finished = true
            let w = Array(s.waiters.values)
            s.waiters.removeAll()
            return (all, w, s.head)
        }
        for c in subs { c.finish() }
        for w in waiters { w.resume(returning: head) }
    }
}
