import ArgumentParser
import JourneyClient
import Foundation
import JourneyCore

/// `journeyctl model show | validate FILE | activate FILE`.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Show, validate or activate the journey model.",
        subcommands: [Show.self, Validate.self, Activate.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the active model document.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let client = try await global.client(.readLog)
            defer { client.close() }
            Output.line(try await client.activeModel().document)
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a model file; exit 2 naming the JSON path at fault.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The model file.") var file: String

        func run() async throws {
            let m = try ModelFile.load(file)
            Output.line("ok: model \(m.name) version \(m.version): \(m.stages.count) stages, \(m.rules.count) rules, \(m.advocacy.levels.count) advocacy levels")
        }
    }

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Activate a model: rebuild every projection under it beside the live views, then switch.",
            discussion: "A model that is wrong is refused (exit 2) and nothing changes. Its version must differ from the active one's.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The model file.") var file: String

        func run() async throws {
            let m = try ModelFile.load(file)
            let showProgress = Output.stderrIsTerminal
            let client = try await global.client(.readLog)
            defer { client.close() }
            let reports: [RebuildProgress]
            do {
                reports = try await client.activate(m) { progress in
                    guard showProgress, let p = progress.first else { return }
                    Output.progress("rebuilding under model \(m.version): \(Format.count(p.checkpoint)) of \(Format.count(p.head)) events (\(Int(p.fraction * 100))%)")
                }
            } catch {
                if showProgress { Output.clearProgress() }
                throw error
            }
            if showProgress { Output.clearProgress() }
            Output.line(reports.isEmpty ? "model \(m.version) is already active" : "model \(m.version) is active; \(reports.count) projections rebuilt")
        }
    }
}
