import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How a node's replica of a shared log (``StoreConfiguration/upstream``) stays safe when its
/// commits are not flushed one by one (``StoreConfiguration/syncReplica`` off, the default).
///
/// The log upstream holds every acknowledged event (on its primary and a synchronous standby),
/// so the replica's own `fdatasync` per commit protects nothing that is not already safe; it only
/// kept PostgreSQL waiting between groups. Without it LMDB still writes each commit in order, so
/// a crash of the *process* loses nothing (the operating system has every page). A crash of the
/// *machine* can leave the last commits half on disk, and LMDB cannot tell: such a replica must
/// not be read. So before the first unflushed commit a process writes the machine's boot id
/// (`/proc/sys/kernel/random/boot_id`) to `replica-unflushed` in the data folder (flushed), and
/// holds `replica-unflushed.lock` shared for as long as it has the store open (a lock no process
/// ever converts, so it is never dropped while held). Any process that closes the store when no
/// process holds that lock (taken exclusively, without waiting) flushes `data.mdb` and removes the
/// file. A folder whose file names another boot was written unflushed when the machine went down:
/// its log environment (`data.mdb`, `lock.mdb`) is removed and built again from the upstream log
/// (the views, in `views/`, are flushed on every commit and stay); the file stays until the folder
/// is bound to its log again, so a failure half-way leaves it refused, not an empty store. Opened
/// without its upstream, such a folder is refused. A machine without a boot id flushes every
/// commit instead.
enum ReplicaFlush {
    static let fileName = "replica-unflushed"
    static let lockName = "replica-unflushed.lock"

    /// This boot of the machine (the kernel's random boot id), or `nil` where there is none.
    static func currentBoot() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    /// The boot recorded in `directory`'s file, `""` for a file that does not read (written
    /// half when the machine went down: another boot), `nil` when there is no file.
    static func recordedBoot(in directory: String) -> String? {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `directory` holds a replica written unflushed in another boot of the machine.
    static func unflushedInAnotherBoot(_ directory: String) -> Bool {
        guard let recorded = recordedBoot(in: directory) else { return false }
        return recorded != currentBoot()
    }

    /// Records `boot` in `directory` (written to a file of this process's, flushed, renamed into
    /// place, the folder flushed) unless it is recorded already. The caller holds a ``Writer``.
    static func record(_ boot: String, in directory: String) throws(StoreError) {
        if recordedBoot(in: directory) == boot { return }
        let path = directory + "/" + fileName
        let temporary = path + ".\(getpid()).new"
        let bytes = Array((boot + "\n").utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot write \(temporary)") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            unlink(temporary)
            throw failure("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename \(temporary)")
            unlink(temporary)
            throw error
        }
        try syncFolder(directory)
    }

    /// Flushes `data.mdb` and removes the file when it exists and no process writes the replica
    /// unflushed (none holds the lock file: it is taken exclusively, without waiting, for the
    /// length of the check, so no such writer can start meanwhile). For every process closing
    /// the store; a process that wrote unflushed lets its own ``Writer`` go first. Another boot's
    /// file is kept (whoever opens the folder next rebuilds it) unless `rebuilt`: this process
    /// has just bound the discarded folder to its log again, flushing.
    static func clearIfNoWriter(in directory: String, rebuilt: Bool = false) {
        guard recordedBoot(in: directory) != nil else { return }
        let lock = open(directory + "/" + lockName, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else { return }
        guard rebuilt || !unflushedInAnotherBoot(directory) else { return }
        let data = open(directory + "/data.mdb", O_RDONLY | O_CLOEXEC)
        guard data >= 0 else { return }
        let flushed = fdatasync(data) == 0
        close(data)
        guard flushed, unlink(directory + "/" + fileName) == 0 else { return }
        try? syncFolder(directory)
    }

    /// Removes the replica's log environment from `directory` (its views stay), so that it is
    /// made anew and built from the upstream log. The file stays (the folder is not the log's
    /// replica until it is bound again).
    static func discardLog(in directory: String) throws(StoreError) {
        for name in ["data.mdb", "lock.mdb"] {
            let path = directory + "/" + name
            guard unlink(path) == 0 || errno == ENOENT else { throw failure("cannot remove \(path)") }
        }
        try syncFolder(directory)
    }

    /// A process's hold on the replica as an unflushed writer: `replica-unflushed.lock` held
    /// shared until ``release()``.
    final class Writer: Sendable {
        private let fd: Int32
        private let released = Atomic<Bool>(false)

        init(directory: String) throws(StoreError) {
            let path = directory + "/" + ReplicaFlush.lockName
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw ReplicaFlush.failure("cannot open \(path)") }
            // Blocks only while a closing process checks (a moment).
            while flock(fd, LOCK_SH) != 0 {
                guard errno == EINTR else {
                    let error = ReplicaFlush.failure("cannot lock \(path)")
                    close(fd)
                    throw error
                }
            }
            self.fd = fd
        }

        func release() {
            if !released.exchange(true, ordering: .acquiringAndReleasing) { close(fd) }
        }

        deinit { release() }
    }

    private static func syncFolder(_ directory: String) throws(StoreError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open \(directory)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot flush \(directory)") }
    }

    static func failure(_ what: String) -> StoreError {
        StoreError(.storage, "\(what): \(String(cString: strerror(errno)))")
    }

    /// The refusal of a folder written unflushed in another boot, opened without its upstream.
    static func refusal(_ directory: String) -> StoreError {
        StoreError(.invalidArgument, "the store in \(directory) is a node's replica of a log on PostgreSQL whose last commits were not flushed to disk before the machine restarted, so it may be incomplete: open it with its log (--log or JOURNEY_LOG; the server's \"log\") and it is built again from the log; nothing acknowledged is lost, the log holds it")
    }
}
