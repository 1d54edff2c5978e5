import JourneyStore
import Synchronization

/// Group commit for the PostgreSQL log: appends that arrive while a transaction runs wait in a
/// queue and go together into the next one (up to ``maxEvents`` events), as the LMDB writer
/// merges queued batches. Each append still succeeds or fails on its own (see
/// ``PostgresLog/commit(_:)``); a transaction that fails fails every append in it.
///
/// One transaction runs at a time, led by a task started when the queue was idle; the head
/// row's lock serialises appends anyway, and this turns the wait for it into bigger commits (one
/// WAL flush and one wait for the synchronous standby for many appends).
final class GroupCommit: Sendable {
    private struct Waiting {
        var append: PreparedAppend
        var continuation: CheckedContinuation<AppendResult, any Error>
    }

    private struct State: ~Copyable {
        var queue: [Waiting] = []
        var running = false
    }

    private let state = Mutex(State())
    /// Transactions run and appends they took, for the figures (events per commit).
    let transactions = Atomic<Int>(0)
    let appends = Atomic<Int>(0)
    /// The most events one transaction takes (a single larger append goes alone).
    let maxEvents: Int

    init(maxEvents: Int = 10_000) {
        self.maxEvents = maxEvents
    }

    /// Queues `append` and waits for the transaction that takes it.
    func submit(_ append: PreparedAppend, to log: PostgresLog) async throws(StoreError) -> AppendResult {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let lead = state.withLock { s in
                    s.queue.append(Waiting(append: append, continuation: continuation))
                    if s.running { return false }
                    s.running = true
                    return true
                }
                if lead { Task { await self.drain(log) } }
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw PostgresLog.storeError(error, "the append was not committed")
        }
    }

    /// Runs transactions until the queue is empty.
    private func drain(_ log: PostgresLog) async {
        while true {
            let group: [Waiting] = state.withLock { s in
                guard !s.queue.isEmpty else {
                    s.running = false
                    return []
                }
                var events = 0, take = 0
                for w in s.queue {
                    if take > 0 && events + w.append.events.count > maxEvents { break }
                    events += w.append.events.count
                    take += 1
                }
                let group = Array(s.queue.prefix(take))
                s.queue.removeFirst(take)
                return group
            }
            guard !group.isEmpty else { return }
            transactions.add(1, ordering: .relaxed)
            appends.add(group.count, ordering: .relaxed)
            do {
                let results = try await log.commit(group.map(\.append))
                for (result, waiting) in zip(results, group) {
                    switch result {
                    case .success(let r): waiting.continuation.resume(returning: r)
                    case .failure(let e): waiting.continuation.resume(throwing: e)
                    }
                }
            } catch {
                let e = PostgresLog.storeError(error, "the append was not committed")
                for waiting in group { waiting.continuation.resume(throwing: e) }
            }
        }
    }
}
