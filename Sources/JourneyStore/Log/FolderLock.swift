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
    }

    /// Releases the lock (also done when the object goes away).
    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { close(fd) }
    }

    deinit { release() }
}

