import Foundation
import LMDBKit

/// The log's single writer: a dedicated thread that turns queued appends into group commits.
///
/// Appends that arrive while a commit is in flight wait in the queue and ride the next
/// transaction together: one fsync for all of them, yet each caller gets its own result (a
/// version conflict or id conflict fails that caller alone, and writes none of its events).
final class AppendWriter: @unchecked Sendable {
    // Safe to share: `queue`, `stopping` and `running` are only touched with `condition` held;
    // `cache` and the transaction work happen only on the writer thread.
    private let condition = NSCondition()
    private var queue: [WriterRequest] = []
    private var stopping = false
    private var running = false
    /// Requests in the previous group: how many callers are likely to be appending right now.
    private var lastGroupSize = 0
    private let done = DispatchSemaphore(value: 0)

    let env: Environment
    let layout: StoreLayout
    let maxEventsPerCommit: Int
    let notifier: CommitNotifier
    /// Encrypted stores: the data keys.
    let keys: CustomerKeys?
    /// What protects the identity graph (block-list, most links per id).
    let identities: IdentityRules
    let counters = WriterCounters()
    var cache = WriterCache()
    /// Where the log really is, for a node's replica (``LogUpstream``); `nil` for a lone store.
    let upstream: (any LogUpstream)?
    /// Keeps each group's index changes for the upstream.
    let recorder = UpstreamChanges.recorder()

    init(env: Environment, layout: StoreLayout, keys: CustomerKeys?, identities: IdentityRules, maxEventsPerCommit: Int,
         notifier: CommitNotifier, upstream: (any LogUpstream)? = nil) {
        self.upstream = upstream
        self.env = env
        self.layout = layout
        self.keys = keys
        self.identities = identities
        self.maxEventsPerCommit = maxEventsPerCommit
        self.notifier = notifier
    }

    func start() {
        condition.lock()
        running = true
        condition.unlock()
        let thread = Thread { [self] in run() }
        thread.name = "journey-writer"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Queues a request; `complete` runs on the writer thread once it committed or failed.
    func submit(_ request: WriterRequest) {
        condition.lock()
        if stopping || !running {
            condition.unlock()
            request.complete(.failure(StoreError(.closed, "the store is closed")))
            return
        }
        queue.append(request)
        // Wake the writer when it may be idle (first in the queue) or when the group it is
        // collecting is complete; other arrivals would only cost it a context switch.
        if queue.count == 1 || queue.count >= lastGroupSize { condition.signal() }
        condition.unlock()
    }

    /// Finishes every queued append, then stops the thread. Returns when it has stopped.
    func stop() {
        condition.lock()
        guard running, !stopping else { condition.unlock(); return }
        stopping = true
        condition.signal()
        condition.unlock()
        done.wait()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                running = false
                condition.unlock()
                done.signal()
                return
            }
            // Callers woken by the previous commit are still queueing their next append: give
            // them a moment (at most 0.3 ms) so they ride this commit rather than the next.
            // A lone writer (previous group of one) never waits.
            if queue.count < lastGroupSize && !stopping {
                let deadline = Date(timeIntervalSinceNow: 0.0003)
                while queue.count < lastGroupSize && !stopping && condition.wait(until: deadline) {}
            }
            var take = 0
            var events = 0
            while take < queue.count {
                let n = queue[take].eventCount
                if take > 0 && events + n > maxEventsPerCommit { break }
                events += n
                take += 1
            }
            let group = Array(queue.prefix(take))
            queue.removeFirst(take)
            lastGroupSize = take
            condition.unlock()
            commit(group)
        }
    }

    private func commit(_ group: [WriterRequest]) {
        let outcome: GroupOutcome
        let started = ContinuousClock.now
        defer {
            let d = (ContinuousClock.now - started).components
            counters.nanoseconds.add(Int(d.seconds) * 1_000_000_000 + Int(d.attoseconds / 1_000_000_000), ordering: .relaxed)
            counters.requests.add(group.count, ordering: .relaxed)
        }
        if let upstream { return commitThroughUpstream(group, upstream) }
        do {
            let head = cache.head
            outcome = try env.write { txn in try apply(group, in: txn) }
            cache.committed(head: outcome.head)
            counters.commits.add(1, ordering: .relaxed)
            if let head { counters.events.add(Int(outcome.head - min(head, outcome.head)), ordering: .relaxed) }
            else { counters.events.add(outcome.results.reduce(0) { $0 + ((try? $1.get().written) ?? 0) }, ordering: .relaxed) }
        } catch {
            cache.invalidate()
            let failure = (error as? AbortGroup)?.error ?? StoreError.wrap(error)
            for r in group { r.complete(.failure(failure)) }
            return
        }
        if let keys {
            if !outcome.storedKeys.isEmpty { keys.stored(outcome.storedKeys) }
            for c in outcome.erased { keys.erasedNow(c) }
        }
        for (r, result) in zip(group, outcome.results) { r.complete(result) }
        notifier.publish(head: outcome.head)
    }
}
