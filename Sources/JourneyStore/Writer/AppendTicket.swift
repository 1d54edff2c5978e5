import Dispatch
import Synchronization

/// The outcome of one piece of work queued for the log's writer (an append or an erasure),
/// to await (``result()``) or, from a thread that may block, to wait for (``wait()``). A
/// producer can queue several and learn each outcome in order (the ingester parses the next
/// batch while this one commits).
public final class AppendTicket: Sendable {
    private let state = Mutex<State>(State())
    /// Signalled once the result is in, for blocking waiters.
    private let done = DispatchSemaphore(value: 0)

    private struct State {
        var result: Result<AppendResult, StoreError>?
        var waiter: CheckedContinuation<Result<AppendResult, StoreError>, Never>?
    }

    /// A ticket for work still to be done; ``fulfil(_:)`` gives its outcome.
    package init() {}

    init(immediate: Result<AppendResult, StoreError>) {
        state.withLock { $0.result = immediate }
        done.signal()
    }

    /// Gives the work's outcome (once).
    package func fulfil(_ result: Result<AppendResult, StoreError>) {
        let waiter = state.withLock { s -> CheckedContinuation<Result<AppendResult, StoreError>, Never>? in
            s.result = result
            defer { s.waiter = nil }
            return s.waiter
        }
        done.signal()
        waiter?.resume(returning: result)
    }

    /// Waits for the commit (or failure) of this work.
    public func result() async throws(StoreError) -> AppendResult {
        let r: Result<AppendResult, StoreError> = await withCheckedContinuation { c in
            let ready = state.withLock { s -> Result<AppendResult, StoreError>? in
                if let r = s.result { return r }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
        return try r.get()
    }

    /// Blocks the calling thread until the commit (or failure) of this work. Not for the Swift
    /// concurrency pool, which it would block: await ``result()`` there.
    public func wait() throws(StoreError) -> AppendResult {
        if let r = state.withLock({ $0.result }) { return try r.get() }
        done.wait()
        done.signal()  // let any other waiter through
        return try state.withLock { $0.result! }.get()
    }
}
