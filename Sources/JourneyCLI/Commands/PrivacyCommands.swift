import ArgumentParser
import Foundation
import JourneyClient
import JourneyCore
import JourneyPostgres
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
        let client = try await global.client(.writeAfterViews, quiet: json)
        defer { client.close() }
        let record = try await client.erase(id, by: by, reason: reason)
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
        let client = try await global.client(.readLog)
        defer { client.close() }
        let list = try await client.erasures(customerId: customer)
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

            With --log postgres://…, copies the store in --from into the log on PostgreSQL instead \
            (an empty database): the same records, so the same ids, positions, versions, times, \
            sealed properties and chain, with its indexes and data keys; then verifies the log there \
            and that its chain head is the source's. The journey nodes (journeyctl serve --log) then \
            build their replicas and views from it; they need the source's master key.

            A store's active model is not copied into the log: share it with journeyctl model \
            activate --log (or PUT /v1/model on a node).
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The store to migrate (left as it is).", valueName: "dir")) var from: String
    @Option(help: "Events per batch (default 10,000).") var batchSize = 10_000
    /// `--log` (the flag only, not `JOURNEY_LOG`): copy --from into that log on PostgreSQL (an
    /// empty database) instead of into --data.
    private var log: String? { global.log }

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size: expected at least 1, got \(batchSize)") }
        guard log != nil || URL(fileURLWithPath: from).standardizedFileURL.path != URL(fileURLWithPath: global.dataDirectory).standardizedFileURL.path else {
            throw ValidationError("--from and --data are the same folder; migrate into a new one")
        }
    }

    func run() async throws {
        if let log { return try await migrate(into: log) }
        let target = try global.openStore("migrate", create: true)
        defer { target.close() }
        let source = StoreConfiguration(directory: from)
        let showProgress = Output.stderrIsTerminal
        let report = try await StoreMigration.run(from: source, into: target, batchSize: batchSize) { copied, head in
            if showProgress { Output.progress("migrating… \(Format.count(copied)) of \(Format.count(head)) events") }
        }
        if showProgress { Output.clearProgress() }
        Output.line("migrated \(Format.count(report.events)) events from \(from) (format \(report.sourceFormat)) into \(global.dataDirectory) (format \(report.targetFormat)\(report.encrypted ? ", encrypted" : ", unencrypted")); every event compared, chain verified, head \(report.headHash)")
    }

    /// `--log`: the store in --from into the log on PostgreSQL.
    private func migrate(into url: String) async throws {
        try global.requireLocal("migrate", allowingLog: true)
        var config = StoreConfiguration(directory: from)
        config.createIfMissing = false
        config.masterKey = try global.masterKey()
        let store = try EventStore(config)
        defer { store.close() }
        let upstream = try await PostgresUpstream(url: url, logLevel: .warning)
        let showProgress = Output.stderrIsTerminal
        let batch = batchSize
        let result: Result<PostgresUpstream.ImportReport, StoreError> = await withCheckedContinuation { c in
            let thread = Thread {
                c.resume(returning: Result { () throws(StoreError) in
                    try upstream.importLog(from: store, chunk: batch) { copied, head in
                        if showProgress { Output.progress("migrating… \(Format.count(copied)) of \(Format.count(head)) events") }
                    }
                })
            }
            thread.start()
        }
        if showProgress { Output.clearProgress() }
        await upstream.close()
        let report = try result.get()
        Output.line("migrated \(Format.count(report.events)) events from \(from) into the log on \(upstream.name)\(store.isEncrypted ? " (encrypted: every node needs this store's master key)" : " (unencrypted)"); the log there verified, its chain head the source's: \(report.headHash)")
    }
}
