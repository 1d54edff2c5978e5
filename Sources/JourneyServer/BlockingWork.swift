import Dispatch

/// Runs blocking storage work off the Swift concurrency pool: on a serial queue (the projection
/// worker) or the shared concurrent one (long reads such as verify and what-if).
enum BlockingWork {
    static let shared = DispatchQueue(label: "journey.blocking", attributes: .concurrent)

    static func run<T: Sendable>(on queue: DispatchQueue = shared, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
