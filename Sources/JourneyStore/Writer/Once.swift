import Synchronization

/// Lets exactly one of several racers win (e.g. resume a continuation that a result and a
/// deadline both try to resume).
package final class Once: Sendable {
    private let done = Atomic<Bool>(false)

    package init() {}

    /// `true` for the first caller only.
    package func claim() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}
