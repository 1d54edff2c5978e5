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

    func run() async throws {
        try global.requireLocal("doctor", instead: "GET /readyz and /metrics for a server's health")
        let checks = StoreDoctor.examine(directory: global.dataDirectory, masterKey: try global.masterKey(), quick: quick)
        if json {
            Output.json(["checks": checks])
        } else {
            for c in checks {
                let mark = c.status == .ok ? "ok  " : c.status == .warn ? "WARN" : "FAIL"
                Output.line("\(mark)  \(c.name.padding(toLength: 28, withPad: " ", startingAt: 0))\(c.detail)")
                if let a = c.advice { Output.line("      \(String(repeating: " ", count: 28))→ \(a)") }
            }
        }
        if checks.contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }
}
