import ArgumentParser
import Foundation
import JourneyCore
import JourneyStore

/// `journeyctl keygen`: a new master key.
struct KeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a new master key (64 hex digits) for an encrypted store.",
        discussion: """
            With -o FILE the key goes into a new file readable by its owner only (mode 0600); the \
            command refuses to overwrite a file. Keep the key outside the data folder and keep a copy \
            in your secret store: without it the store cannot be opened and properties cannot be read.
            """)

    @Option(name: .shortAndLong, help: "Write the key to this new file instead of standard output.") var output: String?

    func run() async throws {
        let key = MasterKey.generate()
        guard let output else { Output.line(key.hex); return }
        let fd = open(output, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw CLIError("cannot create \(output): \(String(cString: strerror(errno)))\(errno == EEXIST ? " (refusing to overwrite a key)" : "")", exitCode: 2)
        }
        let text = Array((key.hex + "\n").utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == text.count else { throw CLIError("cannot write \(output)") }
        Output.error("wrote a new master key to \(output) (mode 0600); set JOURNEY_MASTER_KEY_FILE=\(output)")
    }
}

/// `journeyctl erase CUSTOMER`: crypto-shredding.
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a customer: destroy their data key so their properties can never be read again.",
        discussion: """
            Appends an erasure record (who, when, why) to the customer's stream. Their events then \
            read back redacted; their views keep stages, times, counts and levels but no personal \
            values; aggregates keep counting them; verify still passes. Their stream takes no new \
            events. Erasing twice changes nothing. An unknown customer exits 1. Backups taken \
            before the erasure still hold the key: take a new one and delete the older ones.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The customer id.") var id: String
    @Option(help: "Why (kept in the audit of erasures; no personal data).") var reason: String?
    @Option(help: "Who asks (default cli:<user>; against a server, the token's name is recorded).") var by: String?
    @Flag(help: "Print as JSON.") var json = false

    func run() async throws {
        let record: ErasureRecord
        if let remote = try global.remote() {
            record = try await remote.json(ErasureRecord.self, "DELETE", "/v1/customers/\(RemoteClient.segment(id))", query: [("reason", reason)])
        } else {
            let ctx = try JourneyContext(global, quiet: json)
            defer { ctx.close() }
            let actor = by ?? "cli:\(ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName)"
            do {
                record = try ctx.engine.erase(id, by: actor, reason: reason)
                _ = try ctx.engine.live.catchUp()
            } catch {
                throw CLIError(error)
            }
        }
        if json { Output.json(record); return }
        if record.duplicate {
            Output.line("customer \(record.customerId) was already erased at \(record.erasedAt) by \(record.erasedBy) (position \(record.position)); nothing changed")
        } else {
            Output.line("erased customer \(record.customerId): data key destroyed, erasure record at position \(record.position) (version \(record.version))")
        }
    }
}

/// `journeyctl erasures`: the audit of erasures.
struct ErasuresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erasures",
        abstract: "List erasures: who erased whom, when and why (oldest first).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this customer's erasure.") var customer: String?
    @Flag(help: "Print as JSON.") var json = false

    struct Listing: Codable {
        var erasures: [ErasureRecord]
    }

    func run() async throws {
        let list: [ErasureRecord]
        if let remote = try global.remote() {
            list = try await remote.json(Listing.self, "GET", "/v1/erasures", query: [("customerId", customer)]).erasures
        } else {
            let store = try global.openStore(create: false)
            defer { store.close() }
            do {
                list = try store.erasures(customerId: customer)
            } catch {
                throw CLIError(error)
            }
        }
        if json { Output.json(Listing(erasures: list)); return }
        if list.isEmpty { Output.line("no erasures"); return }
        for e in list {
            Output.line("\(e.erasedAt)  \(e.customerId)  by \(e.erasedBy)  position \(e.position)\(e.reason.map { "  reason: \($0)" } ?? "")")
        }
    }
}

/// `journeyctl migrate --from OLD --data NEW`: rewrites a store into the current format.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Rewrite a store of an earlier format (or an unencrypted one) into a new, encrypted store.",
        discussion: """
            Reads every event of --from (format 1, from before per-customer encryption, or an \
            unencrypted format-2 store) and appends it to the new store in --data (which must be \
            empty) with the same ids, positions, versions, times and properties, sealed under \
            per-customer keys wrapped by the master key. Then it verifies the new log, compares \
            every event with the source, carries the active journey model over and builds the \
            views. The source is only read. Stop writers to the source first.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The store to migrate (left as it is).", valueName: "dir")) var from: String
    @Option(help: "Events per batch (default 10,000).") var batchSize = 10_000

    func run() async throws {
        try global.requireLocal("migrate")
        guard batchSize >= 1 else { throw CLIError("--batch-size: expected at least 1, got \(batchSize)", exitCode: 2) }
        guard URL(fileURLWithPath: from).standardizedFileURL.path != URL(fileURLWithPath: global.dataDirectory).standardizedFileURL.path else {
            throw CLIError("--from and --data are the same folder; migrate into a new one", exitCode: 2)
        }
        var sourceConfig = StoreConfiguration(directory: from)
        sourceConfig.createIfMissing = false
        sourceConfig.allowLegacyFormat = true
        let source: EventStore
        do {
            source = try EventStore(sourceConfig)
        } catch {
            throw CLIError(error.code == .masterKeyMissing
                ? "\(from) is already encrypted; it needs no migration (back it up and restore it instead)" : error.description)
        }
        defer { source.close() }
        let target = try global.openStore(create: true)
        defer { target.close() }
        guard try target.headPosition() == 0 else {
            throw CLIError("\(global.dataDirectory) already holds events; migrate into an empty folder", exitCode: 2)
        }
        let head = try source.headPosition()
        let showProgress = Output.stderrIsTerminal
        var batch: [NewEvent] = []
        batch.reserveCapacity(batchSize)
        var tickets: [AppendTicket] = []
        var copied: UInt64 = 0
        do {
            try source.scan(readable: true) { _, r in
                var e = NewEvent(
                    id: r.id, customerId: r.customerId, type: r.type, occurredAt: r.occurredAtWasSent ? r.occurredAt : nil,
                    touchpoint: r.touchpoint, channel: r.channel, sentiment: r.sentiment, properties: r.properties)
                e.recordedAt = r.recordedAt
                batch.append(e)
                if batch.count == batchSize {
                    tickets.append(target.submit(.append(batch)))
                    batch.removeAll(keepingCapacity: true)
                }
                return true
            }
            if !batch.isEmpty { tickets.append(target.submit(.append(batch))) }
            for t in tickets {
                let r = try await t.result()
                copied += UInt64(r.written)
                if showProgress { Output.progress("migrating… \(Format.count(copied)) of \(Format.count(head)) events") }
            }
        } catch let e as StoreError {
            throw CLIError("the migration stopped: \(e.description); the new store in \(global.dataDirectory) is incomplete: delete it and run again")
        }
        if showProgress { Output.clearProgress() }
        // Check: same head, every event the same, a log that verifies.
        let report = try target.verify()
        guard report.isValid, report.checked == head else {
            throw CLIError("the new store does not verify (\(report.problem ?? "head \(report.checked) of \(head)")); delete it and run again")
        }
        var position: UInt64 = 1
        while position <= head {
            let a = try source.readLog(from: position, limit: 10_000), b = try target.readLog(from: position, limit: 10_000)
            guard a.count == b.count, zip(a, b).allSatisfy({ $0.json == $1.json }) else {
                throw CLIError("the new store differs from \(from) near position \(position); delete it and run again")
            }
            position += UInt64(max(a.count, 1))
        }
        // The journey model, then the views.
        let sourceEngine = try JourneyEngine(store: source)
        let model = try sourceEngine.queries.activeModel()
        let engine = try JourneyEngine(store: target)
        if model.version != (try engine.queries.activeModel()).version {
            _ = try engine.rebuilder.activate(model)
        }
        _ = try engine.live.catchUp()
        Output.line("migrated \(Format.count(head)) events from \(from) (format \(source.format)) into \(global.dataDirectory) (format \(target.format)\(target.isEncrypted ? ", encrypted" : ", unencrypted")); every event compared, chain verified, head \(report.headHash.hex)")
    }
}
