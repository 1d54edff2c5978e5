import Foundation
import LMDBKit
import JourneyJSON

extension EventStore {
    /// Writes a consistent, compacted copy of the whole store (log and views) into `destination`
    /// (a folder that must not exist yet, or be empty) while the store keeps serving reads and
    /// writes: LMDB copies one snapshot, leaving out free pages, so nothing freed (e.g. data of
    /// rebuilt views) survives in the copy. With `verify`, the copy's chain is checked. Writes
    /// `backup.json` beside the copy. `progress` gets (bytes copied, bytes expected) now and then.
    public func backup(to destination: String, verify: Bool = true, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(StoreError) -> BackupManifest {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: destination, isDirectory: &isDir) {
            guard isDir.boolValue, ((try? fm.contentsOfDirectory(atPath: destination)) ?? ["?"]).isEmpty else {
                throw StoreError(.invalidArgument, "\(destination) exists and is not an empty folder; back up into a new folder")
            }
        } else {
            try PrivateFolder.create(destination)
        }
        let expected = env.info().usedBytes
        let done = DispatchSemaphore(value: 0)
        if let progress {
            Thread.detachNewThread {
                while done.wait(timeout: .now() + 0.25) == .timedOut {
                    let size = (try? fm.attributesOfItem(atPath: destination + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
                    progress(size, expected)
                }
            }
        }
        do {
            try env.copy(to: destination, compact: true)
        } catch {
            done.signal()
            throw StoreError.wrap(error)
        }
        done.signal()
        var config = StoreConfiguration(directory: destination)
        config.createIfMissing = false
        config.masterKey = configuration.masterKey
        let copy = try EventStore(config)
        defer { copy.close() }
        let head = try copy.headPosition()
        var verified = false
        var chainHead = ""
        if verify {
            let report = try copy.verify(sealed: false)
            guard report.isValid else {
                throw StoreError(.corrupt, "the backup does not verify at position \(report.firstBadPosition ?? 0): \(report.problem ?? ""); the source may be damaged (run journeyctl verify)")
            }
            verified = true
            chainHead = report.headHash.hex
        } else if head > 0 {
            chainHead = try copy.readLog(from: head, limit: 1).first?.withView { $0.chainHash.hex } ?? ""
        }
        let bytes = (try? fm.attributesOfItem(atPath: destination + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
        let manifest = BackupManifest(
            createdAt: Timestamp.now().rfc3339, source: configuration.directory, headPosition: head, chainHead: chainHead,
            bytes: bytes, verified: verified, format: Int(StoreLayout.formatVersion))
        do {
            try JSONOutput.data(manifest).write(to: URL(fileURLWithPath: destination + "/backup.json"))
        } catch {
            throw StoreError(.storage, "cannot write \(destination)/backup.json: \(error.localizedDescription)")
        }
        try? fm.removeItem(atPath: destination + "/lock.mdb")
        try? fm.removeItem(atPath: destination + "/journey.lock")
        return manifest
    }

    /// Restores a backup folder into `directory`, which must not hold a store (it is never
    /// overwritten). The copy is made beside the target and renamed into place, then opened and
    /// verified. Returns the restored store's verification report.
    public static func restore(from source: String, to directory: String, masterKey: MasterKey? = nil) throws(StoreError) -> VerifyReport {
        let fm = FileManager.default
        guard fm.fileExists(atPath: source + "/data.mdb") else {
            throw StoreError(.notFound, "\(source) is not a backup (no data.mdb)")
        }
        if fm.fileExists(atPath: directory + "/data.mdb") {
            throw StoreError(.invalidArgument, "refusing to overwrite the store in \(directory); restore into an empty folder (or move that one away first)")
        }
        try PrivateFolder.create(directory)
        // Hold the folder exclusively while the file goes in, so no server opens it half-copied.
        var lock: FolderLock? = try FolderLock(directory: directory, exclusive: true)
        let temporary = directory + "/data.mdb.restoring"
        try? fm.removeItem(atPath: temporary)
        do {
            try fm.copyItem(atPath: source + "/data.mdb", toPath: temporary)
            let fd = open(temporary, O_RDONLY)
            if fd >= 0 { fsync(fd); Glibc.close(fd) }
            try fm.moveItem(atPath: temporary, toPath: directory + "/data.mdb")
            let dfd = open(directory, O_RDONLY)
            if dfd >= 0 { fsync(dfd); Glibc.close(dfd) }
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw StoreError(.storage, "cannot copy the backup into \(directory): \(error.localizedDescription)")
        }
        lock = nil
        _ = lock
        var config = StoreConfiguration(directory: directory)
        config.createIfMissing = false
        config.masterKey = masterKey
        let store = try EventStore(config)
        defer { store.close() }
        return try store.verify()
    }

    /// Rewrites the store compacted (free pages dropped, pages renumbered), in place: the copy is
    /// made beside it and renamed over it. Needs the store to be closed everywhere else (it
    /// fails while a server or another command has it open). Returns (bytes before, after).
    public static func compact(directory: String, masterKey: MasterKey? = nil) throws(StoreError) -> (Int, Int) {
        let fm = FileManager.default
        var config = StoreConfiguration(directory: directory)
        config.createIfMissing = false
        config.masterKey = masterKey
        config.exclusive = true
        let store = try EventStore(config)
        let before = (try? fm.attributesOfItem(atPath: directory + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
        let work = directory + "/.compacting"
        try? fm.removeItem(atPath: work)
        do {
            try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
            try store.env.copy(to: work, compact: true)
        } catch {
            store.close()
            try? fm.removeItem(atPath: work)
            throw StoreError.wrap(error)
        }
        do {
            let fd = open(work + "/data.mdb", O_RDONLY)
            if fd >= 0 { fsync(fd); Glibc.close(fd) }
            // Replace while still holding the exclusive lock; LMDB reopens the new file below.
            store.env.close()
            try fm.removeItem(atPath: directory + "/data.mdb")
            try fm.moveItem(atPath: work + "/data.mdb", toPath: directory + "/data.mdb")
            try? fm.removeItem(atPath: directory + "/lock.mdb")
            try? fm.removeItem(atPath: work)
        } catch {
            throw StoreError(.storage, "compacting \(directory) failed while replacing the file: \(error.localizedDescription); the compacted copy is in \(work)")
        }
        store.writer.stop()
        let after = (try? fm.attributesOfItem(atPath: directory + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
        return (before, after)
    }
}

#if canImport(Glibc)
import Glibc
#endif
