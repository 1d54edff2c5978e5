import Dispatch
import Hummingbird
import JourneyStore

/// Runs blocking storage work off the Swift concurrency pool: on a serial queue (the projection
/// worker) or the shared concurrent one (long reads such as verify and what-if). Inside a request
/// with a deadline (``RequestDeadline``), the caller gets `timeout` (503) once it passes; the
/// work itself goes on to its end (storage work is not interrupted half way).
enum BlockingWork {
    static let shared = DispatchQueue(label: "journey.blocking", attributes: .concurrent)
    /// Where deadlines fire: a queue of its own, so that a deadline is met even while every
    /// worker thread is busy with blocking work.
    static let deadlines = DispatchQueue(label: "journey.deadlines")

    static func run<T: Sendable>(on queue: DispatchQueue = shared, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        guard let deadline = RequestDeadline.current else {
            return try await withCheckedThrowingContinuation { continuation in
                queue.async { continuation.resume(with: Result { try body() }) }
            }
        }
        let remaining = ContinuousClock.now.duration(to: deadline.at)
        // Past the deadline already: the work does not start.
        guard remaining > .zero else { throw APIError(.serviceUnavailable, "timeout", "the request took longer than \(deadline.limit)") }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let once = Once()
            queue.async {
                let result = Result { try body() }
                if once.claim() { continuation.resume(with: result) }
            }
            let (seconds, attoseconds) = remaining.components
            let nanos = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            deadlines.asyncAfter(deadline: .now() + .nanoseconds(nanos)) {
                if once.claim() {
                    continuation.resume(throwing: APIError(.serviceUnavailable, "timeout", "the request took longer than \(deadline.limit)"))
                }
            }
        }
    }
}
