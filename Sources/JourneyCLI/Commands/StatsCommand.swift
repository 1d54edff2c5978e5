import ArgumentParser
import JourneyClient
import JourneyCore
import JourneyStore

/// `journeyctl stats`: counts and sizes.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show events, customers, head position and size on disk.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() async throws {
        let client = try await global.client(.readLog)
        defer { client.close() }
        let s = try await client.statistics()
        if json {
            Output.json(s)
            return
        }
        Output.line(client.place)
        Output.line("events          \(Format.count(s.events))")
        Output.line("customers       \(Format.count(s.customers))")
        Output.line("head position   \(Format.count(s.headPosition))")
        Output.line("format          \(s.format), \(s.encrypted ? "encrypted (properties sealed per customer)" : "not encrypted (customers cannot be erased)")")
        Output.line("erasures        \(Format.count(s.erasures))")
        Output.line("size on disk    \(Format.bytes(s.fileBytes)) log, \(Format.bytes(s.viewsFileBytes)) views")
        Output.line("map             \(Format.bytes(s.mapUsedBytes)) used of \(Format.bytes(s.mapSizeBytes)) (grows by itself)")
        for (name, bytes) in s.databaseBytes.sorted(by: { $0.key < $1.key }) {
            Output.line("  \(name.padding(toLength: 14, withPad: " ", startingAt: 0))\(Format.bytes(bytes))")
        }
    }
}
