import Foundation
import Synchronization

/// Blocking work on a thread of its own. Dispatch's global queue is as wide as the machine
/// has cores (two here) and adds threads for blocked ones only slowly, so tests that wait on
/// sockets and pipes there starve each other when the suite runs in parallel: a request that
/// takes a millisecond on its own then waits seconds for a thread.
public enum BlockingThread {
    /// Starts `body` on a new thread and returns at once.
    public static func start(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread { body() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `body` on a new thread and waits for its result without tying up the Swift
    /// concurrency pool (which a server under test in this process needs).
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            start { continuation.resume(with: Result { try body() }) }
        }
    }
}
