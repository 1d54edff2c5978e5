import ArgumentParser
import JourneyClient
import JourneyCore
import JourneyStore

/// `journeyctl verify`: checks the log's integrity.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the log: gapless positions, record encoding, the SHA-256 hash chain, and that every sealed record opens.",
        discussion: """
            On an encrypted store every sealed record's properties are opened under its \
            customer's key (records of erased customers are counted, not opened); those that do \
            not open are listed. Exit 0 when clean; 1 with the first bad position or any \
            unreadable record. --chain-only skips opening the seals. With --log, the log on \
            PostgreSQL is walked too (positions, records, chain, head row), then this machine's \
            replica of it in --data.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Check positions, encoding and the chain only; do not open sealed records.") var chainOnly = false

    func run() async throws {
        let client = try await global.client(.readLog)
        defer { client.close() }
        let showProgress = Output.stderrIsTerminal && !json
        let report = try await client.verify(sealed: !chainOnly) { checked in
            if showProgress { Output.progress("verifying… \(Format.count(checked)) records") }
        }
        if showProgress { Output.clearProgress() }
        if json {
            Output.json(report)
        } else if let bad = report.firstBadPosition {
            Output.line("FAILED at position \(bad): \(report.problem ?? "unknown problem")")
            Output.line("\(Format.count(report.checked)) records before it verified")
        } else {
            Output.line("\(report.isValid ? "ok" : "FAILED"): \(Format.count(report.checked)) events verified; chain head \(report.headHash.hex)")
        }
        if !json && report.sealsChecked {
            Output.line("seals: \(Format.count(report.sealsOpened)) opened, \(Format.count(report.erasedSealed)) of erased customers, \(Format.count(report.unreadableCount)) unreadable")
            for u in report.unreadable {
                Output.line("  position \(u.position)  event \(u.eventId)  customer \(u.customerId): \(u.problem)")
            }
            let more = report.unreadableCount - UInt64(report.unreadable.count)
            if more > 0 { Output.line("  … and \(Format.count(more)) more") }
        }
        if !report.isValid { throw ExitCode(1) }
    }
}
