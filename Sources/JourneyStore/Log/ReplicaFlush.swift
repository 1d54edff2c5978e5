import Foundation
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
/// (`/proc/sys/kernel/random/boot_id`) to `replica-unflushed` in the data folder (flushed), and the
/// last process to close the store flushes it and removes that file. A folder whose file names
/// another boot was written unflushed when the machine went down: its log environment
/// (`data.mdb`, `lock.mdb`) is removed and built again from the upstream log (the views, in
/// `views/`, are flushed on every commit and stay). Opened without its upstream, such a folder is
/// refused.
enum ReplicaFlush {
    static let fileName = "replica-unflushed"

    /// This boot of the machine (the kernel's random boot id), or `nil` where there is none:
    /// then every boot counts as another one, and an unflushed replica is always built again.
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
        guard let boot = currentBoot() else { return true }
        return recorded != boot
    }

    /// Records this boot in `directory` (written and flushed, the folder too) unless it is
    /// recorded already.
    static func record(in directory: String) throws(StoreError) {
        let boot = currentBoot() ?? "unknown"
        if recordedBoot(in: directory) == boot { return }
        let path = directory + "/" + fileName
        let temporary = path + ".new"
        let bytes = Array((boot + "\n").utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot write \(temporary)") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else { throw failure("cannot write \(temporary)") }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary)") }
        try syncFolder(directory)
    }

    /// Removes `directory`'s file (after the replica was flushed by the last process to close it).
    static func clear(in directory: String) {
        let path = directory + "/" + fileName
        guard unlink(path) == 0 else { return }
        try? syncFolder(directory)
    }

    /// Removes the replica's log environment from `directory` (its views stay), so that it is
    /// made anew and built from the upstream log; then records this boot.
    static func discardLog(in directory: String) throws(StoreError) {
        for name in ["data.mdb", "lock.mdb"] {
            let path = directory + "/" + name
            guard unlink(path) == 0 || errno == ENOENT else { throw failure("cannot remove \(path)") }
        }
        try syncFolder(directory)
        clear(in: directory)
    }

    private static func syncFolder(_ directory: String) throws(StoreError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open \(directory)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot flush \(directory)") }
    }

    private static func failure(_ what: String) -> StoreError {
        StoreError(.storage, "\(what): \(String(cString: strerror(errno)))")
    }

    /// The refusal of a folder written unflushed in another boot, opened without its upstream.
    static func refusal(_ directory: String) -> StoreError {
        StoreError(.invalidArgument, "the store in \(directory) is a node's replica of a log on PostgreSQL whose last commits were not flushed to disk before the machine restarted, so it may be incomplete: open it with its log (--log or JOURNEY_LOG; the server's \"log\") and it is built again from the log; nothing acknowledged is lost, the log holds it")
    }
}
