import Dispatch
import JourneyStore
import PostgresNIO
import Synchronization

/// The hand-over between the writer thread, which blocks, and the task that holds the
/// PostgreSQL transaction of one write (``PostgresUpstream/beginWrite()``): requests go one way
/// through an `AsyncStream`, answers the other way through a semaphore.
final class WriteSession: Sendable {
    enum Request: Sendable {
        case commits(after: UInt64)
        /// Records to insert now (``PostgresUpstream/insertStatement(_:)``), answered by nothing
        /// (a failure ends the transaction).
        case insert(PostgresQuery)
        /// The commit's statement (``PostgresUpstream/writeStatement(_:changes:)``): the records
        /// that did not go ahead as ``insert(_:)``, the index changes, the head.
        case commit(PostgresQuery)
        case abandon
    }

    enum Answer: Sendable {
        case locked(UInt64)
        case commits([UpstreamCommit])
        /// The transaction ended: committed, rolled back, or failed.
        case ended(Result<Void, StoreError>)
    }

    let requests: AsyncStream<Request>
    private let requestSink: AsyncStream<Request>.Continuation
    private let answers = Mutex<[Answer]>([])
    private let ready = DispatchSemaphore(value: 0)
    private let ended = Atomic<Bool>(false)

    init() {
        (requests, requestSink) = AsyncStream<Request>.makeStream()
    }

    /// Task side: answers the writer.
    func answer(_ a: Answer) {
        if case .ended = a { ended.store(true, ordering: .releasing) }
        answers.withLock { $0.append(a) }
        ready.signal()
    }

    /// Writer side: sends `request` (none: just wait) and blocks for the next answer.
    func ask(_ request: Request?) -> Answer {
        if let request, !ended.load(ordering: .acquiring) { requestSink.yield(request) }
        ready.wait()
        return answers.withLock { $0.removeFirst() }
    }

    /// Writer side: sends `request` without waiting for an answer (it has none).
    func tell(_ request: Request) {
        if !ended.load(ordering: .acquiring) { requestSink.yield(request) }
    }

    /// Writer side: ends the request stream without waiting (a rollback, if still open).
    func close(abandoning: Bool) {
        if abandoning && !ended.load(ordering: .acquiring) { requestSink.yield(.abandon) }
        requestSink.finish()
    }
}
