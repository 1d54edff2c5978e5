import ArgumentParser
import Foundation
import JourneyCore
import JourneyStore

/// `journeyctl backup DEST`: a consistent hot backup.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the whole store (log and views), consistent and compacted, into a new folder.",
        discussion: """
            Safe while a server runs and writes: LMDB copies one snapshot and leaves out free pages. \
            The copy is verified (its hash chain) unless --no-verify, and backup.json beside it records \
            the head position and chain head. DEST must not exist or be empty.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The folder to create.") var destination: String
    @Flag(help: "Skip verifying the copy.") var noVerify = false
    @Flag(help: "Print the manifest as JSON.") var json = false

    func run() async throws {
        let store = try global.openStore("backup")
        defer { store.close() }
        let showProgress = Output.stderrIsTerminal && !json
        let manifest: BackupManifest
        do {
            manifest = try store.backup(to: destination, verify: !noVerify) { copied, expected in
                if showProgress { Output.progress("backing up… \(Format.bytes(copied)) of about \(Format.bytes(expected))") }
            }
        } catch {
            if showProgress { Output.clearProgress() }
            throw CLIError(error)
        }
        if showProgress { Output.clearProgress() }
        if json { Output.json(manifest); return }
        Output.line("backed up \(Format.count(manifest.headPosition)) events (\(Format.bytes(manifest.bytes))) to \(destination)\(manifest.verified ? "; chain verified, head \(manifest.chainHead)" : "")")
    }
}

/// `journeyctl restore SRC`: a backup into an empty data folder.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup folder into the (empty) data folder; never overwrites a store.",
        discussion: "The restored store is verified. Start the server on it afterwards.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The backup folder.") var source: String

    func run() async throws {
        try global.requireLocal("restore")
        let report: VerifyReport
        let key = try global.masterKey()
        do {
            report = try EventStore.restore(from: source, to: global.dataDirectory, masterKey: key)
        } catch {
            throw CLIError(error)
        }
        if let bad = report.firstBadPosition {
            throw CLIError("restored into \(global.dataDirectory), but it does not verify at position \(bad): \(report.problem ?? "")")
        }
        if report.unreadableCount > 0 {
            throw CLIError("restored into \(global.dataDirectory), but \(report.unreadableCount) sealed record(s) do not open under their customer's key (first at position \(report.unreadable.first?.position ?? 0)); list them with journeyctl verify")
        }
        Output.line("restored \(Format.count(report.checked)) events into \(global.dataDirectory); chain verified, head \(report.headHash.hex)")
    }
}

/// `journeyctl export`: the log as NDJSON.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the log (or one customer's stream) as NDJSON in the public event shape.",
        discussion: """
            Each line has position, version and recordedAt. `journeyctl ingest --keep-recorded-at` \
            of a whole export into an empty store reproduces the same events (same ids, positions, \
            versions, times), the same views, and a log that verifies.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Start at this position.") var from: UInt64 = 1
    @Option(help: "Only this customer's stream.") var customer: String?
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let store = try global.openStore("export", instead: "journeyctl events --server URL --limit 0 (the same lines)")
        defer { store.close() }
        var fd: Int32 = 1
        if let output {
            fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o640)
            guard fd >= 0 else { throw CLIError("cannot write \(output): \(String(cString: strerror(errno)))", exitCode: 2) }
        }
        defer { if fd != 1 { fsync(fd); close(fd) } }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        var count = 0
        func flush() {
            out.withUnsafeBufferPointer { Output.write(fd: fd, $0) }
            out.removeAll(keepingCapacity: true)
        }
        do {
            if let customer {
                guard try store.streamVersion(customer) > 0 else { throw CLIError("customer \(customer) is not known to this store") }
                for e in try store.readStream(customer, limit: Int.max / 2) where e.position >= from {
                    e.withView { EventJSON.append($0, position: e.position, to: &out) }
                    out.append(0x0A)
                    count += 1
                }
            } else {
                try store.scan(from: from, readable: true) { position, record in
                    EventJSON.append(record, position: position, to: &out)
                    out.append(0x0A)
                    count += 1
                    if out.count > 1 << 20 { flush() }
                    return true
                }
            }
        } catch let e as StoreError {
            throw CLIError(e)
        }
        flush()
        if output != nil { Output.error("exported \(Format.count(count)) events to \(output!)") }
    }
}

/// `journeyctl compact`: reclaim space after large rebuilds.
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the store without free pages (after large view rebuilds). Needs the server stopped.",
        discussion: "Refuses while another process has the store open. Equivalent by hand: backup, then restore into a fresh folder.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try global.requireLocal("compact")
        let (before, after): (Int, Int)
        let key = try global.masterKey()
        do {
            (before, after) = try EventStore.compact(directory: global.dataDirectory, masterKey: key)
        } catch {
            throw CLIError(error)
        }
        Output.line("compacted \(global.dataDirectory): \(Format.bytes(before)) → \(Format.bytes(after))")
    }
}
