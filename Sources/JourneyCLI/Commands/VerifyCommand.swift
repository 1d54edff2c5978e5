import ArgumentParser
import JourneyStore

/// `journeyctl verify`: checks the log's integrity.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the log: gapless positions, record encoding, and the SHA-256 hash chain.",
        discussion: "Exit 0 when clean; 1 with the first bad position.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the report as JSON.") var json = false

    /// The report's fields, as the server sends them.
    struct Report: Codable {
        var ok: Bool
        var checked: UInt64
        var head: UInt64
        var headHash: String
        var firstBadPosition: UInt64?
        var problem: String?
    }

    func run() async throws {
        let report: Report
        if let remote = try global.remote() {
            report = try await remote.json(Report.self, "POST", "/v1/verify")
        } else {
            let store = try global.openStore(create: false)
            defer { store.close() }
            let showProgress = Output.stderrIsTerminal && !json
            do {
                let r = try store.verify { checked in
                    if showProgress { Output.progress("verifying… \(Format.count(checked)) records") }
                }
                report = Report(ok: r.isValid, checked: r.checked, head: r.head, headHash: r.headHash.hex, firstBadPosition: r.firstBadPosition, problem: r.problem)
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
            Output.line("ok: \(Format.count(report.checked)) events verified; chain head \(report.headHash)")
        }
        if !report.ok { throw ExitCode(1) }
    }
}
