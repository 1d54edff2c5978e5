import Synchronization

/// A queued append whose result can be awaited later, so a producer can keep the writer busy
/// (parse the next batch while this one commits) and still learn each batch's outcome in order.
public final class AppendTicket: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var result: Result<AppendResult, StoreError>?
        var waiter: CheckedContinuation<Result<AppendResult, StoreError>, Never>?
    }

    init() {}

    init(immediate: Result<AppendResult, StoreError>) {
        state.withLock { $0.result = immediate }
    }

    func fulfil(_ result: Result<AppendResult, StoreError>) {
        let waiter = state.withLock { s -> CheckedContinuation<Result<AppendResult, StoreError>, Never>? in
            s.result = result
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: result)
    }

    /// Waits for the commit (or failure) of this append.
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
}
