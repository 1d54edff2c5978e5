import ArgumentParser
import JourneyClient
import JourneyCore

/// `journeyctl stage STAGE`: customers now in a stage.
struct StageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage", abstract: "List customers now in a stage, a page at a time.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The stage, e.g. decision.") var stage: String
    @OptionGroup var page: PageOptions

    func run() async throws {
        let client = try await global.client(.readViews, quiet: page.json)
        defer { client.close() }
        printPage(try await client.customers(inStage: stage, after: page.after, limit: page.limit), json: page.json)
    }
}

/// `journeyctl advocates [--level L]`.
struct AdvocatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advocates", abstract: "List advocates (customers above level none), highest level first.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this level, e.g. champion.") var level: String?
    @OptionGroup var page: PageOptions

    func run() async throws {
        let client = try await global.client(.readViews, quiet: page.json)
        defer { client.close() }
        printPage(try await client.advocates(level: level, after: page.after, limit: page.limit), json: page.json)
    }
}

func printPage(_ page: CustomerPage, json: Bool) {
    if json { Output.json(page); return }
    for c in page.customers {
        Output.line("\(c.customerId)\t\(c.stage ?? c.level ?? "")\tsince \(c.since ?? "-")")
    }
    if let next = page.next { Output.line("next: \(next)") }
}
