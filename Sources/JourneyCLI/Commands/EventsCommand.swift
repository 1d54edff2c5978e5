import ArgumentParser
import JourneyClient
import JourneyStore

/// `journeyctl events`: prints events as JSON lines.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print events as JSON lines (the whole log, or one customer's stream).",
        discussion: """
            Each line is one event with position, version and recordedAt. Without --customer, \
            --from is a log position; with it, a version in the customer's stream.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this customer's stream.") var customer: String?
    @Option(help: "Start at this position (log) or version (stream); backward defaults to the latest.") var from: UInt64?
    @Option(help: "At most this many events (default 1000; 0 for all).") var limit: Int = 1000
    @Flag(help: "Newest first.") var backward = false

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit: expected 0 or more, got \(limit)") }
    }

    func run() async throws {
        let client = try await global.client(.readLog)
        defer { client.close() }
        var remaining = limit == 0 ? Int.max : limit
        var next = from
        while remaining > 0 {
            let size = min(remaining, 10_000)
            let page = try await client.events(customer: customer, from: next, backward: backward, limit: size)
            Output.bytes(page.ndjson)
            remaining -= page.count
            guard let n = page.next, page.count == size else { return }
            next = n
        }
    }
}
