#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// An advisory lock on `<data folder>/journey.lock`: every process that opens the store holds
/// it shared; operations that replace the files (compact, restore into an existing folder)
/// hold it exclusively, so they never run under a live server.
final class FolderLock: Sendable {
    private let fd: Int32
    private let released = Atomic<Bool>(false)
    /// Held exclusively from the start (``init(directory:exclusive:)``).
    let isExclusive: Bool

    init(directory: String, exclusive: Bool) throws(StoreError) {
        let path = directory + "/journey.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw StoreError(.storage, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            close(fd)
            if busy {
                throw StoreError(
                    .invalidArgument,
                    exclusive
                        ? "the store in \(directory) is open in another process (a running server or command); stop it first"
                        : "the store in \(directory) is being compacted or restored; try again when that has finished")
            }
            throw StoreError(.storage, "cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        self.isExclusive = exclusive
    }

    /// Runs `body` with the lock held exclusively (converted from shared, waiting up to
    /// `waiting` for other holders to let go; `busy` is thrown when they do not), then holds it
    /// shared again. A lock held exclusively from the start stays so.
    func exclusively<R>(waiting: Duration, busy: StoreError, _ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        var result: R?
        try exclusively(while: { result == nil }, waiting: waiting, busy: busy) { () throws(StoreError) in result = try body() }
        return result!
    }

    /// ``exclusively(waiting:busy:_:)`` as long as `needed()` holds: checked again once the lock
    /// is exclusive, and while waiting (another holder may have done the work meanwhile: then
    /// `body` does not run).
    func exclusively(while needed: () -> Bool, waiting: Duration, busy: StoreError, _ body: () throws(StoreError) -> Void) throws(StoreError) {
        if isExclusive {
            if needed() { try body() }
            return
        }
        let deadline = ContinuousClock.now + waiting
        while needed() {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                defer { _ = flock(fd, LOCK_SH) }
                if needed() { try body() }
                return
            }
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw StoreError(.storage, "cannot lock the data folder: \(String(cString: strerror(errno)))")
            }
            // The conversion may have dropped the shared lock: take it back before waiting.
            _ = flock(fd, LOCK_SH)
            guard ContinuousClock.now < deadline else { throw busy }
            usleep(UInt32.random(in: 10_000...40_000))
        }
    }

    /// Releases the lock (also done when the object goes away).
    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { close(fd) }
    }

    deinit { release() }
}

