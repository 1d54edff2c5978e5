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
        // The views first, then the log: the copy's views are never ahead of its log (a view
        // never commits past the log's head), so the restored store needs no rebuild.
        let views = try viewsEnvironment()
        let viewsCopy = Self.viewsDirectory(destination)
        try PrivateFolder.create(viewsCopy)
        let expected = env.info().usedBytes + views.info().usedBytes
        let done = DispatchSemaphore(value: 0)
        if let progress {
            Thread.detachNewThread {
                while done.wait(timeout: .now() + 0.25) == .timedOut {
                    progress(Self.fileBytes(destination) + Self.fileBytes(viewsCopy), expected)
                }
            }
        }
        do {
            try views.copy(to: viewsCopy, compact: true)
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
        let manifest = BackupManifest(
            createdAt: Timestamp.now().rfc3339, source: configuration.directory, headPosition: head, chainHead: chainHead,
            bytes: Self.fileBytes(destination), viewsBytes: Self.fileBytes(viewsCopy), verified: verified,
            format: copy.format)
        do {
            try JSONOutput.data(manifest).write(to: URL(fileURLWithPath: destination + "/backup.json"))
        } catch {
            throw StoreError(.storage, "cannot write \(destination)/backup.json: \(error.localizedDescription)")
        }
        try? fm.removeItem(atPath: destination + "/lock.mdb")
        try? fm.removeItem(atPath: viewsCopy + "/lock.mdb")
        try? fm.removeItem(atPath: destination + "/journey.lock")
        return manifest
    }

    /// Bytes of `data.mdb` in `folder` (0 when absent).
    static func fileBytes(_ folder: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: folder + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Copies `source` to `target` through a temporary name beside it, flushed before the rename.
    private static func copyDurably(_ source: String, to target: String) throws {
        let fm = FileManager.default
        let temporary = target + ".restoring"
        try? fm.removeItem(atPath: temporary)
        do {
            try fm.copyItem(atPath: source, toPath: temporary)
            let fd = open(temporary, O_RDONLY)
            if fd >= 0 { fsync(fd); Glibc.close(fd) }
            try fm.moveItem(atPath: temporary, toPath: target)
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw error
        }
    }

    private static func syncFolder(_ path: String) {
        let dfd = open(path, O_RDONLY)
        if dfd >= 0 { fsync(dfd); Glibc.close(dfd) }
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
        do {
            // The views first, the log last: a folder with `data.mdb` holds a whole store. A
            // backup made before the views had their own file has none: its `data.mdb` holds
            // them, and they move out when the store is first opened.
            // Views left in the folder (it holds no log) belong to no store: never kept, so
            // they cannot stand in for the backup's.
            let viewsSource = Self.viewsDirectory(source) + "/data.mdb"
            let viewsTarget = Self.viewsDirectory(directory)
            if fm.fileExists(atPath: viewsTarget) { try fm.removeItem(atPath: viewsTarget) }
            if fm.fileExists(atPath: viewsSource) {
                try PrivateFolder.create(viewsTarget)
                try copyDurably(viewsSource, to: viewsTarget + "/data.mdb")
                syncFolder(viewsTarget)
            }
            try copyDurably(source + "/data.mdb", to: directory + "/data.mdb")
            syncFolder(directory)
        } catch {
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

    /// Rewrites the store compacted (free pages dropped, pages renumbered), in place: the views'
    /// file, then the log's, each copied beside itself and renamed over it. Needs the store to be
    /// closed everywhere else (it fails while a server or another command has it open). Returns
    /// the bytes of both files (before, after).
    public static func compact(directory: String, masterKey: MasterKey? = nil) throws(StoreError) -> (Int, Int) {
        var config = StoreConfiguration(directory: directory)
        config.createIfMissing = false
        config.masterKey = masterKey
        config.exclusive = true
        let store = try EventStore(config)
        defer { store.close() }
        let viewsDir = viewsDirectory(directory)
        let before = fileBytes(directory) + fileBytes(viewsDir)
        if FileManager.default.fileExists(atPath: viewsDir + "/data.mdb") {
            let views = try store.viewsEnvironment()
            try compactFile(views, in: viewsDir) { store.closeViewsEnvironment() }
        }
        try compactFile(store.env, in: directory) {
            store.writer.stop()
            store.env.close()
        }
        return (before, fileBytes(directory) + fileBytes(viewsDir))
    }

    /// Copies `env` compacted into `folder/.compacting`, then (after `close` closed it, while the
    /// caller still holds the folder exclusively) renames the copy over `folder/data.mdb`.
    private static func compactFile(_ env: Environment, in folder: String, close: () -> Void) throws(StoreError) {
        let fm = FileManager.default
        let work = folder + "/.compacting"
        try? fm.removeItem(atPath: work)
        do {
            try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
            try env.copy(to: work, compact: true)
        } catch {
            try? fm.removeItem(atPath: work)
            throw StoreError.wrap(error)
        }
        do {
            let fd = open(work + "/data.mdb", O_RDONLY)
            if fd >= 0 { fsync(fd); Glibc.close(fd) }
            close()
            // One rename over the old file: at every moment `data.mdb` is the old file or the
            // compacted copy, never missing (a crash leaves the copy in `.compacting`).
            guard rename(work + "/data.mdb", folder + "/data.mdb") == 0 else {
                throw StoreError(.storage, String(cString: strerror(errno)))
            }
            try? fm.removeItem(atPath: folder + "/lock.mdb")
            try? fm.removeItem(atPath: work)
            syncFolder(folder)
        } catch {
            throw StoreError(.storage, "compacting \(folder) failed while replacing the file: \(error.localizedDescription); the compacted copy is in \(work)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
