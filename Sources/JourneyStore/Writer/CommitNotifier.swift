import Synchronization

/// Tells in-process listeners that a position grew: the log's head after this process's commits
/// (``EventLog/commits``: projection workers, live tails), or the position the views have applied
/// (read-your-writes waiters). Each subscriber sees the newest value; intermediate values may be
/// skipped. Waits end at a timeout, on cancellation of the waiting task, or when it finishes.
public final class CommitNotifier: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<UInt64>.Continuation] = [:]
        var head: UInt64 = 0
        var waiters: [Int: CheckedContinuation<UInt64, Never>] = [:]
        var finished = false
    }

    public init() {}

    /// The newest value published.
    public var value: UInt64 { state.withLock { $0.head } }

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

    /// Publishes a new value (values only grow: a smaller one is ignored).
    public func publish(head: UInt64) {
        let (subs, waiters) = state.withLock { s -> ([AsyncStream<UInt64>.Continuation], [CheckedContinuation<UInt64, Never>]) in
            s.head = max(s.head, head)
            let w = Array(s.waiters.values)
            s.waiters.removeAll()
            return (Array(s.subscribers.values), w)
        }
        for c in subs { c.yield(head) }
        for w in waiters { w.resume(returning: head) }
    }

    /// Waits until a value past `position` is published, or `timeout` passes, or the waiting
    /// task is cancelled, or the notifier finishes; returns the newest value (it may still be
    /// `position`). For the log: appends by other processes are not seen here, poll for those.
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

    /// Waits until a value of at least `position` is published (or the waiting task is
    /// cancelled, or the notifier finishes); returns the newest value.
    public func wait(until position: UInt64) async -> UInt64 {
        while true {
            let (v, finished) = state.withLock { ($0.head, $0.finished) }
            if v >= position || finished || Task.isCancelled { return v }
            _ = await waitForCommit(after: v, timeout: .seconds(1))
        }
    }

    private func resumeWaiter(_ id: Int) {
        let (w, head) = state.withLock { s in (s.waiters.removeValue(forKey: id), s.head) }
        w?.resume(returning: head)
    }

    /// Ends every subscription and wait; later waits return at once.
    public func finish() {
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
