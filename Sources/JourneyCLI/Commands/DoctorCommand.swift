import ArgumentParser
import Foundation
import JourneyCore
import JourneyStore

/// `journeyctl doctor`: checks a data folder and says what to do about each problem.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the data folder: permissions, free disk, map usage, the hash chain, projections, the model.",
        discussion: "Exit 0 when every check passes (warnings allowed), 1 when any fails. --quick skips walking the chain.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Skip verifying the whole chain.") var quick = false
    @Flag(help: "Print as JSON.") var json = false

    struct Check: Codable {
        var name: String
        var status: String
        var detail: String
        var advice: String?
    }

    func run() async throws {
        var checks: [Check] = []
        func add(_ name: String, _ status: String, _ detail: String, _ advice: String? = nil) {
            checks.append(Check(name: name, status: status, detail: detail, advice: advice))
        }
        try global.requireLocal("doctor", instead: "GET /readyz and /metrics for a server's health")
        let dir = global.dataDirectory
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue, fm.fileExists(atPath: dir + "/data.mdb") else {
            add("data folder", "fail", "no journey store in \(dir)", "pass --data with the right folder, or restore a backup (journeyctl restore)")
            return try finish(checks)
        }
        if access(dir, R_OK | W_OK | X_OK) == 0 && access(dir + "/data.mdb", R_OK | W_OK) == 0 {
            add("permissions", "ok", "\(dir) is readable and writable by this user")
        } else {
            add("permissions", "fail", "this user cannot read and write \(dir)/data.mdb", "run as the store's owner (e.g. sudo -u journey) or fix ownership: chown -R journey: \(dir)")
        }
        var folder = stat()
        if stat(dir, &folder) == 0 {
            let mode = Int(folder.st_mode) & 0o777
            if mode & 0o007 != 0 {
                add("folder mode", "warn", "\(dir) has mode \(String(mode, radix: 8)): other users can \(mode & 0o002 != 0 ? "change" : "enter") it; it holds customers' data (encrypted or not)",
                    "chmod 700 \(dir) (new data folders are created 0700)")
            } else {
                add("folder mode", "ok", "\(dir) has mode \(String(mode, radix: 8)): no access for other users")
            }
        }
        var fs = statvfs()
        let storeBytes = (try? fm.attributesOfItem(atPath: dir + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
        if statvfs(dir, &fs) == 0 {
            let free = Int(fs.f_bavail) * Int(fs.f_frsize)
            let total = Int(fs.f_blocks) * Int(fs.f_frsize)
            let detail = "\(Format.bytes(free)) free of \(Format.bytes(total)); the store uses \(Format.bytes(storeBytes))"
            if free < 256 << 20 || free < storeBytes / 2 {
                add("free disk", "fail", detail, "free space or grow the volume: appends fail when the disk is full (nothing acknowledged is lost); a backup needs about the store's size")
            } else if free < storeBytes * 2 || Double(free) < Double(total) * 0.1 {
                add("free disk", "warn", detail, "plan more space: rebuilds and backups need room next to the store")
            } else {
                add("free disk", "ok", detail)
            }
        }
        let store: EventStore
        do {
            var config = StoreConfiguration(directory: dir)
            config.createIfMissing = false
            config.masterKey = try global.masterKey()
            store = try EventStore(config)
        } catch let e as StoreError {
            let advice: String = switch e.code {
            case .masterKeyMissing, .masterKeyWrong: "give the store's master key: --master-key-file or JOURNEY_MASTER_KEY_FILE (the key it was created with; its fingerprint is in the message)"
            case .formatOutdated: "migrate the store into a new folder: journeyctl migrate --from \(dir) --data NEW_FOLDER"
            default: "if another tool holds the folder, stop it; if LMDB reports corruption, restore the latest backup"
            }
            add("open", "fail", e.description, advice)
            return try finish(checks)
        }
        defer { store.close() }
        do {
            let s = try store.statistics()
            let maximum = store.configuration.maximumMapSize
            let share = Double(s.mapUsedBytes) / Double(maximum)
            add("map", share > 0.8 ? "warn" : "ok",
                "\(Format.bytes(s.mapUsedBytes)) used; the map is \(Format.bytes(s.mapSizeBytes)) and grows by itself up to \(Format.bytes(maximum))",
                share > 0.8 ? "the store nears its maximum size: archive or split it" : nil)
            let free = s.fileBytes - s.mapUsedBytes
            if s.fileBytes > 0 && Double(max(0, free)) > Double(s.fileBytes) * 0.5 && s.fileBytes > 256 << 20 {
                add("free pages", "warn", "about half of data.mdb is free pages", "reclaim it with journeyctl compact (server stopped)")
            }
            let report = quick ? nil : try store.verify()
            if let report {
                if report.firstBadPosition == nil {
                    add("chain", "ok", "verified up to position \(Format.count(report.checked)) (head \(report.headHash.hex))")
                } else {
                    add("chain", "fail", "verified up to position \(Format.count(report.checked)); position \(report.firstBadPosition ?? 0): \(report.problem ?? "")",
                        "the log was changed outside the store or the disk is damaged: stop writers and restore the latest backup that verifies")
                }
            } else {
                add("chain", "ok", "not walked (--quick); head position \(Format.count(s.headPosition))")
            }
            if let report, report.sealsChecked {
                if report.unreadableCount == 0 {
                    add("seals", "ok", "\(Format.count(report.sealsOpened)) sealed record(s) open under their customer's key; \(Format.count(report.erasedSealed)) belong to erased customers")
                } else {
                    let first = report.unreadable.prefix(3).map { "position \($0.position) (customer \($0.customerId))" }.joined(separator: ", ")
                    add("seals", "fail", "\(Format.count(report.unreadableCount)) sealed record(s) do not open under their customer's key, first: \(first)",
                        "their properties are lost unless a backup holds them: list them with journeyctl verify; restore the latest backup that verifies; the views applied them without their properties (journeyctl projections --faults)")
                }
            }
            if store.isEncrypted {
                add("encryption", "ok", "properties sealed under per-customer keys; \(Format.count(s.erasures)) customer(s) erased")
            } else {
                add("encryption", "warn", "this store was created without a master key: properties are stored in clear and customers cannot be erased",
                    "migrate it into an encrypted store: journeyctl keygen -o KEYFILE, then journeyctl migrate --from \(dir) --data NEW_FOLDER --master-key-file KEYFILE")
            }
            let engine = try JourneyEngine(store: store)
            let model = try engine.queries.activeModel()
            add("model", "ok", "active model \(model.name) version \(model.version)")
            let statuses = try engine.queries.status()
            if let n = statuses.first?.faults, n > 0 {
                add("projection faults", "fail", "\(Format.count(n)) event(s) were applied to the views without their properties, which do not open",
                    "list them with journeyctl projections --faults and journeyctl verify; restore the latest backup that verifies, or accept that those properties are lost (the views keep every other fact of those events)")
            }
            for p in statuses {
                if let r = p.rebuild {
                    add("projection \(p.name)", "warn", "a rebuild into generation \(r.generation) is recorded at \(Format.count(r.checkpoint)) of \(Format.count(r.head))",
                        "if no server or command is rebuilding it, run journeyctl rebuild \(p.name) to resume it")
                } else if p.lag > 100_000 {
                    add("projection \(p.name)", "warn", "\(Format.count(p.lag)) events behind the log (checkpoint \(Format.count(p.checkpoint)))",
                        "start the server (its worker catches up) or run any journeyctl read command")
                } else {
                    add("projection \(p.name)", "ok", "checkpoint \(Format.count(p.checkpoint)), \(Format.count(p.lag)) behind, generation \(p.generation), model \(p.modelVersion)")
                }
            }
        } catch {
            add("store", "fail", error.description, "see the message; restore the latest backup if the store is damaged")
        }
        try finish(checks)
    }

    func finish(_ checks: [Check]) throws {
        if json {
            Output.json(["checks": checks])
        } else {
            for c in checks {
                let mark = c.status == "ok" ? "ok  " : c.status == "warn" ? "WARN" : "FAIL"
                Output.line("\(mark)  \(c.name.padding(toLength: 28, withPad: " ", startingAt: 0))\(c.detail)")
                if let a = c.advice { Output.line("      \(String(repeating: " ", count: 28))→ \(a)") }
            }
        }
        if checks.contains(where: { $0.status == "fail" }) { throw ExitCode(1) }
    }
}
