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

    func run() async throws {
        let store = try global.openStore(create: false)
        defer { store.close() }
        let showProgress = Output.stderrIsTerminal && !json
        let report: VerifyReport
        do {
            report = try store.verify { checked in
                if showProgress { Output.progress("verifying… \(Format.count(checked)) records") }
            }
        } catch {
            throw CLIError(error)
        }
        if showProgress { Output.clearProgress() }
        if json {
            Output.json(report)
        } else if let bad = report.firstBadPosition {
            Output.line("FAILED at position \(bad): \(report.problem ?? "unknown problem")")
            Output.line("\(Format.count(report.checked)) records before it verified")
        } else {
            Output.line("ok: \(Format.count(report.checked)) events verified; chain head \(report.headHash.hex)")
        }
        if !report.isValid { throw ExitCode(1) }
    }
}
