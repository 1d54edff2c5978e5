import ArgumentParser
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
            unreadable record. --chain-only skips opening the seals.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Check positions, encoding and the chain only; do not open sealed records.") var chainOnly = false

    /// The report's fields, as the server sends them.
    struct Report: Codable {
        var ok: Bool
        var checked: UInt64
        var head: UInt64
        var headHash: String
        var firstBadPosition: UInt64?
        var problem: String?
        var seals: Seals?

        struct Seals: Codable {
            var checked: Bool
            var opened: UInt64
            var erased: UInt64
            var unreadableCount: UInt64
            var unreadable: [VerifyReport.UnreadableRecord]
        }
    }

    func run() async throws {
        let report: Report
        if let remote = try global.remote() {
            report = try await remote.json(Report.self, "POST", chainOnly ? "/v1/verify?sealed=false" : "/v1/verify")
        } else {
            let store = try global.openStore(create: false)
            defer { store.close() }
            let showProgress = Output.stderrIsTerminal && !json
            do {
                let r = try store.verify(sealed: !chainOnly) { checked in
                    if showProgress { Output.progress("verifying… \(Format.count(checked)) records") }
                }
                report = Report(ok: r.isValid, checked: r.checked, head: r.head, headHash: r.headHash.hex, firstBadPosition: r.firstBadPosition, problem: r.problem,
                                seals: .init(checked: r.sealsChecked, opened: r.sealsOpened, erased: r.erasedSealed, unreadableCount: r.unreadableCount, unreadable: r.unreadable))
            } catch {
                throw CLIError(error)
            }
            if showProgress { Output.clearProgress() }
        }
        if json {
            Output.json(report)
        } else if let bad = report.firstBadPosition {
            Output.line("FAILED at position \(bad): \(report.problem ?? "unknown problem")")
            Output.line("\(Format.count(report.checked)) records before it verified")
        } else {
            Output.line("\(report.ok ? "ok" : "FAILED"): \(Format.count(report.checked)) events verified; chain head \(report.headHash)")
        }
        if !json, let s = report.seals, s.checked {
            Output.line("seals: \(Format.count(s.opened)) opened, \(Format.count(s.erased)) of erased customers, \(Format.count(s.unreadableCount)) unreadable")
            for u in s.unreadable {
                Output.line("  position \(u.position)  event \(u.eventId)  customer \(u.customerId): \(u.problem)")
            }
            if s.unreadableCount > UInt64(s.unreadable.count) { Output.line("  … and \(Format.count(s.unreadableCount - UInt64(s.unreadable.count))) more") }
        }
        if !report.ok { throw ExitCode(1) }
    }
}
