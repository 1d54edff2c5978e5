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
        if let remote = try global.remote() {
            try await runRemote(remote)
            return
        }
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

    /// Pages through the server's NDJSON answers, printing the lines as they come.
    func runRemote(_ remote: RemoteClient) async throws {
        var remaining = limit == 0 ? Int.max : limit
        var next = from
        let path = customer.map { "/v1/customers/\(RemoteClient.segment($0))/events" } ?? "/v1/events"
        if customer == nil && backward {
            throw CLIError("--backward over the whole log is not available with --server; use --customer", exitCode: 2)
        }
        while remaining > 0 {
            let page = min(remaining, 10_000)
            var query: [(String, String?)] = [("limit", String(page)), ("from", next.map(String.init))]
            if backward { query.append(("backward", "true")) }
            let reply: RemoteClient.Reply
            do {
                reply = try await remote.send("GET", path, query: query, accept: "application/x-ndjson")
            } catch let e as CLIError where customer != nil && e.message.contains("not known") {
                throw CLIError("customer \(customer!) has no events in this store")
            }
            Output.bytes(Array(reply.body))
            let lines = reply.body.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
            remaining -= lines
            guard let n = reply.headers["journey-next"].flatMap(UInt64.init), lines == page else { return }
            next = n
        }
    }
}
