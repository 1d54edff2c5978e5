import ArgumentParser
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

    func run() async throws {
        guard limit >= 0 else { throw CLIError("--limit: expected 0 or more, got \(limit)", exitCode: 2) }
        let store = try global.openStore(create: false)
        defer { store.close() }
        var remaining = limit == 0 ? Int.max : limit
        var next = from
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        do {
            if let customer, try store.streamVersion(customer) == 0 {
                throw CLIError("customer \(customer) has no events in this store")
            }
            while remaining > 0 {
                let page: [StoredEvent]
                if let customer {
                    page = try store.readStream(customer, from: next, backward: backward, limit: min(remaining, 10_000))
                } else {
                    page = try store.readLog(from: next, backward: backward, limit: min(remaining, 10_000))
                }
                for e in page {
                    e.withView { EventJSON.append($0, position: e.position, to: &out) }
                    out.append(0x0A)
                }
                if out.count > 512 << 10 {
                    Output.bytes(out)
                    out.removeAll(keepingCapacity: true)
                }
                guard let last = page.last, page.count == min(remaining, 10_000) else { break }
                remaining -= page.count
                let cursor = customer == nil ? last.position : last.version
                if backward {
                    guard cursor > 1 else { break }
                    next = cursor - 1
                } else {
                    next = cursor + 1
                }
            }
        } catch let e as StoreError {
            throw CLIError(e)
        }
        Output.bytes(out)
    }
}
