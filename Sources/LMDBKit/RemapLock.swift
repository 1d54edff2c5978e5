#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A writer-preferring readers–writer lock guarding the memory map.
///
/// Every transaction holds it shared; growing or re-adopting the map size holds it exclusively,
/// because `mdb_env_set_mapsize` re-maps the file and must not run while any transaction of
/// this process can still read through the old mapping. Writer preference keeps a steady stream
/// of readers from starving a resize; the price is that a thread must never take it shared twice
/// (never begin a transaction inside another on the same thread).
final class RemapLock: @unchecked Sendable {
    // Safe to share: the pthread rwlock lives at a fixed heap address and is itself thread-safe.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        var attr = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attr)
        #if canImport(Glibc)
        pthread_rwlockattr_setkind_np(&attr, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        pthread_rwlock_init(lock, &attr)
        pthread_rwlockattr_destroy(&attr)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    @inline(__always) func lockShared() { pthread_rwlock_rdlock(lock) }
    @inline(__always) func lockExclusive() { pthread_rwlock_wrlock(lock) }
    @inline(__always) func unlock() { pthread_rwlock_unlock(lock) }
}
