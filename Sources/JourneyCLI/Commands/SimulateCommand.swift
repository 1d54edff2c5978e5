import ArgumentParser
import JourneyClient
import Foundation
import JourneyCore

/// `journeyctl simulate --model FILE`: what-if with an alternative model.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay the whole log under an alternative model and compare stages with the live model.",
        discussion: "Nothing is written: the live views and the active model stay as they are.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The alternative journey model (JSON).") var model: String
    @Option(help: "How many changed customers to list (default 20).") var sample: Int = 20
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        guard (0...1000).contains(sample) else { throw ValidationError("--sample: expected 0…1000, got \(sample)") }
    }

    func run() async throws {
        let alternative = try ModelFile.load(model)
        let client = try await global.client(.readLog)
        defer { client.close() }
        let report = try await client.simulate(alternative, sampleSize: sample)
        if json { Output.json(report); return }
        Output.line("what-if over \(Format.count(report.events)) events of \(Format.count(report.customers)) customers: live model \(report.liveModelVersion) vs \(report.alternativeModelVersion)")
        Output.line("stage                 live   alternative   change")
        for s in report.stages where s.live > 0 || s.alternative > 0 || s.stage != "none" {
            let delta = s.alternative - s.live
            Output.line(s.stage.padding(toLength: 16, withPad: " ", startingAt: 0) + Format.count(s.live).leftPad(10)
                + Format.count(s.alternative).leftPad(14) + (delta > 0 ? "+" + Format.count(delta) : Format.count(delta)).leftPad(9))
        }
        Output.line("\(Format.count(report.changedCustomers)) customers change stage")
        for c in report.sample { Output.line("  \(c.customerId): \(c.live ?? "none") → \(c.alternative ?? "none")") }
    }
}

/// Reads and validates a model file, with the JSON path of any problem.
enum ModelFile {
    static func load(_ path: String) throws -> JourneyModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read the model file \(path)", exitCode: 2)
        }
        do {
            return try JourneyModel.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw CLIError("invalid model \(path): \(error)", exitCode: 2)
        }
    }
}
