import Foundation
public import JourneyStore

/// The checks of a data folder that `journeyctl doctor` runs, and the projection checks that
/// the server's `/readyz` shares with it.
public enum StoreDoctor {
    /// Checks the folder (permissions, mode, free disk), then the store (map, chain, seals,
    /// encryption, model, projections). With `quick`, the log is not walked.
    public static func examine(directory dir: String, masterKey: MasterKey?, quick: Bool, lagThreshold: UInt64 = 100_000) -> [HealthCheck] {
        var checks = folderChecks(dir)
        guard checks.first?.name != "data folder" else { return checks }
        let store: EventStore
        do {
            var config = StoreConfiguration(directory: dir)
            config.createIfMissing = false
            config.masterKey = masterKey
            store = try EventStore(config)
        } catch {
            let advice: String = switch error.code {
            case .masterKeyMissing, .masterKeyWrong: "give the store's master key: --master-key-file or JOURNEY_MASTER_KEY_FILE (the key it was created with; its fingerprint is in the message)"
            case .formatOutdated: "migrate the store into a new folder: journeyctl migrate --from \(dir) --data NEW_FOLDER"
            default: "if another tool holds the folder, stop it; if LMDB reports corruption, restore the latest backup"
            }
            return checks + [HealthCheck("open", .fail, error.description, advice)]
        }
        defer { store.close() }
        do {
            checks += try storeChecks(store, quick: quick)
            let engine = try JourneyEngine(store: store)
            let views = EventStore.viewsDirectory(dir)
            if let notice = engine.openingNotice {
                checks.append(HealthCheck("views", .warn, notice, "nothing to do: the live worker (a server, or any journeyctl read command) builds them from the log"))
            } else {
                checks.append(HealthCheck("views", .ok, "\(views)/data.mdb (\(Format.bytes(try store.statistics().viewsFileBytes))) matches the log"))
            }
            let model = try engine.queries.activeModel()
            checks.append(HealthCheck("model", .ok, "active model \(model.name) version \(model.version)"))
            checks += projectionChecks(try engine.queries.status(), lagThreshold: lagThreshold)
        } catch {
            checks.append(HealthCheck("store", .fail, StoreError.wrap(error).description, "see the message; restore the latest backup if the store is damaged"))
        }
        return checks
    }

    /// Each projection's lag and rebuild, and the faults the views met: what `doctor` reports
    /// and what `/readyz` bases its answer on.
    public static func projectionChecks(_ statuses: [ProjectionStatus], lagThreshold: UInt64) -> [HealthCheck] {
        var checks: [HealthCheck] = []
        if let n = statuses.first?.faults, n > 0 {
            checks.append(HealthCheck("projection faults", .fail, "\(Format.count(n)) event(s) were applied to the views without their properties, which do not open",
                                      "list them with journeyctl projections --faults and journeyctl verify; restore the latest backup that verifies, or accept that those properties are lost (the views keep every other fact of those events)"))
        }
        for p in statuses {
            if p.state == "needs-rebuild" && p.rebuild == nil {
                checks.append(HealthCheck("projection \(p.name)", .warn, "not built yet: this store was made before the \(p.name) projection existed",
                                          "run journeyctl rebuild (journeyctl serve starts it itself); the other views answer meanwhile"))
            } else if let r = p.rebuild {
                checks.append(HealthCheck("projection \(p.name)", .warn, "a rebuild into generation \(r.generation) is recorded at \(Format.count(r.checkpoint)) of \(Format.count(r.head))",
                                          "if no server or command is rebuilding it, run journeyctl rebuild \(p.name) to resume it"))
            } else if p.lag > lagThreshold {
                checks.append(HealthCheck("projection \(p.name)", .warn, "\(Format.count(p.lag)) events behind the log (checkpoint \(Format.count(p.checkpoint)))",
                                          "start the server (its worker catches up) or run any journeyctl read command"))
            } else {
                checks.append(HealthCheck("projection \(p.name)", .ok, "checkpoint \(Format.count(p.checkpoint)), \(Format.count(p.lag)) behind, generation \(p.generation), model \(p.modelVersion)"))
            }
        }
        return checks
    }

    static func folderChecks(_ dir: String) -> [HealthCheck] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue, fm.fileExists(atPath: dir + "/data.mdb") else {
            return [HealthCheck("data folder", .fail, "no journey store in \(dir)", "pass --data with the right folder, or restore a backup (journeyctl restore)")]
        }
        var checks: [HealthCheck] = []
        let views = EventStore.viewsDirectory(dir)
        let viewsReadable = !fm.fileExists(atPath: views) || (access(views, R_OK | W_OK | X_OK) == 0
            && (!fm.fileExists(atPath: views + "/data.mdb") || access(views + "/data.mdb", R_OK | W_OK) == 0))
        if access(dir, R_OK | W_OK | X_OK) == 0 && access(dir + "/data.mdb", R_OK | W_OK) == 0 && viewsReadable {
            checks.append(HealthCheck("permissions", .ok, "\(dir) is readable and writable by this user"))
        } else {
            checks.append(HealthCheck("permissions", .fail, "this user cannot read and write \(dir)/data.mdb and \(views)/data.mdb", "run as the store's owner (e.g. sudo -u journey) or fix ownership: chown -R journey: \(dir)"))
        }
        var folder = stat()
        if stat(dir, &folder) == 0 {
            let mode = Int(folder.st_mode) & 0o777
            if mode & 0o007 != 0 {
                checks.append(HealthCheck("folder mode", .warn, "\(dir) has mode \(String(mode, radix: 8)): other users can \(mode & 0o002 != 0 ? "change" : "enter") it; it holds customers' data (encrypted or not)",
                                          "chmod 700 \(dir) (new data folders are created 0700)"))
            } else {
                checks.append(HealthCheck("folder mode", .ok, "\(dir) has mode \(String(mode, radix: 8)): no access for other users"))
            }
        }
        var fs = statvfs()
        let storeBytes = [dir, EventStore.viewsDirectory(dir)].reduce(0) { sum, folder in
            sum + ((try? fm.attributesOfItem(atPath: folder + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0)
        }
        if statvfs(dir, &fs) == 0 {
            let free = Int(fs.f_bavail) * Int(fs.f_frsize)
            let total = Int(fs.f_blocks) * Int(fs.f_frsize)
            let detail = "\(Format.bytes(free)) free of \(Format.bytes(total)); the store uses \(Format.bytes(storeBytes))"
            if free < 256 << 20 || free < storeBytes / 2 {
                checks.append(HealthCheck("free disk", .fail, detail, "free space or grow the volume: appends fail when the disk is full (nothing acknowledged is lost); a backup needs about the store's size"))
            } else if free < storeBytes * 2 || Double(free) < Double(total) * 0.1 {
                checks.append(HealthCheck("free disk", .warn, detail, "plan more space: rebuilds and backups need room next to the store"))
            } else {
                checks.append(HealthCheck("free disk", .ok, detail))
            }
        }
        return checks
    }

    static func storeChecks(_ store: EventStore, quick: Bool) throws -> [HealthCheck] {
        var checks: [HealthCheck] = []
        let s = try store.statistics()
        let maximum = store.configuration.maximumMapSize
        let share = Double(s.mapUsedBytes) / Double(maximum)
        checks.append(HealthCheck("map", share > 0.8 ? .warn : .ok,
                                  "\(Format.bytes(s.mapUsedBytes)) used; the map is \(Format.bytes(s.mapSizeBytes)) and grows by itself up to \(Format.bytes(maximum))",
                                  share > 0.8 ? "the store nears its maximum size: archive or split it" : nil))
        // The log's file (the views' share of free pages is reclaimed by compact too).
        let free = s.fileBytes - s.mapUsedBytes
        if s.fileBytes > 0 && Double(max(0, free)) > Double(s.fileBytes) * 0.5 && s.fileBytes > 256 << 20 {
            checks.append(HealthCheck("free pages", .warn, "about half of data.mdb is free pages", "reclaim it with journeyctl compact (server stopped)"))
        }
        if quick {
            checks.append(HealthCheck("chain", .ok, "not walked (--quick); head position \(Format.count(s.headPosition))"))
        } else {
            let report = try store.verify()
            if report.firstBadPosition == nil {
                checks.append(HealthCheck("chain", .ok, "verified up to position \(Format.count(report.checked)) (head \(report.headHash.hex))"))
            } else {
                checks.append(HealthCheck("chain", .fail, "verified up to position \(Format.count(report.checked)); position \(report.firstBadPosition ?? 0): \(report.problem ?? "")",
                                          "the log was changed outside the store or the disk is damaged: stop writers and restore the latest backup that verifies"))
            }
            if report.sealsChecked && report.unreadableCount == 0 {
                checks.append(HealthCheck("seals", .ok, "\(Format.count(report.sealsOpened)) sealed record(s) open under their customer's key; \(Format.count(report.erasedSealed)) belong to erased customers"))
            } else if report.sealsChecked {
                let first = report.unreadable.prefix(3).map { "position \($0.position) (customer \($0.customerId))" }.joined(separator: ", ")
                checks.append(HealthCheck("seals", .fail, "\(Format.count(report.unreadableCount)) sealed record(s) do not open under their customer's key, first: \(first)",
                                          "their properties are lost unless a backup holds them: list them with journeyctl verify; restore the latest backup that verifies; the views applied them without their properties (journeyctl projections --faults)"))
            }
        }
        if store.isEncrypted {
            checks.append(HealthCheck("encryption", .ok, "properties sealed under per-customer keys; \(Format.count(s.erasures)) customer(s) erased"))
        } else {
            checks.append(HealthCheck("encryption", .warn, "this store was created without a master key: properties are stored in clear and customers cannot be erased",
                                      "migrate it into an encrypted store: journeyctl keygen -o KEYFILE, then journeyctl migrate --from \(store.configuration.directory) --data NEW_FOLDER --master-key-file KEYFILE"))
        }
        return checks
    }
}
