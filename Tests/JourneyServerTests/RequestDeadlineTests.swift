import Foundation
@testable import JourneyServer
import Synchronization
import Testing

/// Request timeouts cost nothing per request: only blocking work honours the deadline.
@Suite struct RequestDeadlineTests {
    @Test func blockingWorkPastTheDeadlineAnswersTimeoutAndStillFinishes() async throws {
        let finished = Atomic<Bool>(false)
        let gate = DispatchSemaphore(value: 0)
        let deadline = RequestDeadline(at: .now + .milliseconds(50), limit: .milliseconds(50))
        // The work cannot end before the gate opens, so only the deadline can answer the caller.
        await #expect(throws: APIError.self) {
            try await RequestDeadline.$current.withValue(deadline) {
                try await BlockingWork.run {
                    gate.wait()
                    finished.store(true, ordering: .relaxed)
                }
            }
        }
        let early = finished.load(ordering: .relaxed)
        #expect(!early)
        gate.signal()
        var late = false
        for _ in 0..<500 where !late {
            try await Task.sleep(for: .milliseconds(10))
            late = finished.load(ordering: .relaxed)
        }
        #expect(late, "the storage work is not interrupted half way")
    }

    @Test func workWithinTheDeadlineOrWithoutOneAnswers() async throws {
        let deadline = RequestDeadline(at: .now + .seconds(5), limit: .seconds(5))
        let v = try await RequestDeadline.$current.withValue(deadline) { try await BlockingWork.run { 42 } }
        #expect(v == 42)
        #expect(try await BlockingWork.run { "no deadline" } == "no deadline")
        await #expect(throws: APIError.self) {
            try await RequestDeadline.$current.withValue(RequestDeadline(at: .now - .seconds(1), limit: .seconds(1))) {
                try await BlockingWork.run { Thread.sleep(forTimeInterval: 0.05) }
            }
        }
    }
}
