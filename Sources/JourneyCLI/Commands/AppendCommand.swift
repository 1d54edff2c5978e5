import ArgumentParser
import Foundation
import JourneyClient
import JourneyJSON
import JourneyStore

/// `journeyctl append`: appends one event, durably.
struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append one event to a customer's (or an anonymous visitor's) stream (durable when it returns).",
        discussion: """
            Name the customer (--customer), an anonymous visitor (--anonymous-id), or both: the \
            event then goes to the customer's stream and links the visitor to them.
            --property k=v sets a string property; k:=JSON sets any JSON value \
            (e.g. --property nps:=9 --property tags:='["a","b"]').
            Prints the event's position and version; a retry with the same --id and content \
            reports the original as a duplicate.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The customer id (1–256 characters).") var customer: String?
    @Option(help: "An anonymous visitor's id (same rules); with --customer, links the two.") var anonymousId: String?
    @Option(help: "The event type, e.g. purchase.") var type: String
    @Option(help: "Where it happened, e.g. pricing_page.") var touchpoint: String?
    @Option(help: "Through which channel, e.g. web.") var channel: String?
    @Option(help: ArgumentHelp("Business time (default: now).", valueName: "RFC 3339 time")) var occurredAt: TimeArgument?
    @Option(help: "Sentiment, -1…1.") var sentiment: Double?
    @Option(name: .customLong("property"), help: ArgumentHelp("A property, k=v (string) or k:=JSON.", valueName: "k=v"))
    var properties: [String] = []
    @Option(help: "The event id (idempotency key; default: a generated UUIDv7).") var id: String?
    @Option(help: ArgumentHelp("Expected stream version: any, no-stream, exists or N.", valueName: "version"))
    var expectedVersion: ExpectedVersion = .any
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        if customer == nil && anonymousId == nil { throw ValidationError("--customer or --anonymous-id: one of them is required, both are missing") }
        if customer == nil && expectedVersion != .any { throw ValidationError("--expected-version: expected versions are per customer stream; give --customer") }
        _ = try occurredAt?.check("--occurred-at")
        if let sentiment, !sentiment.isFinite { throw ValidationError("--sentiment: expected a number in -1…1, got \(sentiment)") }
    }

    func run() async throws {
        let event = NewEvent(
            id: id, customerId: customer, anonymousId: anonymousId, type: type, occurredAt: occurredAt?.time, touchpoint: touchpoint,
            channel: channel, sentiment: sentiment, properties: try PropertyArguments.object(properties))
        try event.validate()
        let client = try await global.client(.write)
        defer { client.close() }
        let result = try await client.append([event], expectations: customer.map { expectedVersion == .any ? [:] : [$0: expectedVersion] } ?? [:]).events[0]
        if json {
            Output.json(result)
        } else if result.duplicate {
            Output.line("duplicate: event \(result.id) is already in the log at position \(result.position) (\(result.stream), version \(result.version)); nothing written")
        } else {
            Output.line("appended event \(result.id) at position \(result.position) (\(result.stream), version \(result.version))")
        }
    }
}

/// Builds a properties object from `k=v` / `k:=JSON` arguments.
enum PropertyArguments {
    static func object(_ args: [String]) throws -> JSONObjectText? {
        guard !args.isEmpty else { return nil }
        var out: [UInt8] = [0x7B]
        var seen = Set<String>()
        for (i, arg) in args.enumerated() {
            let raw: Bool
            let key: Substring
            let value: Substring
            if let r = arg.range(of: ":="), !arg[..<r.lowerBound].contains("=") {
                raw = true
                key = arg[..<r.lowerBound]
                value = arg[r.upperBound...]
            } else if let eq = arg.firstIndex(of: "=") {
                raw = false
                key = arg[..<eq]
                value = arg[arg.index(after: eq)...]
            } else {
                throw CLIError("--property: expected k=v or k:=JSON, got \"\(arg)\"", exitCode: 2)
            }
            guard !key.isEmpty else { throw CLIError("--property: empty key in \"\(arg)\"", exitCode: 2) }
            guard seen.insert(String(key)).inserted else { throw CLIError("--property: key \"\(key)\" given twice", exitCode: 2) }
            if i > 0 { out.append(0x2C) }
            JSONWriter.appendString(String(key), to: &out)
            out.append(0x3A)
            if raw {
                guard JSONValue.parse(Array(value.utf8)) != nil else {
                    throw CLIError("--property \(key): expected a JSON value after :=, got \(value)", exitCode: 2)
                }
                out.append(contentsOf: value.utf8)
            } else {
                JSONWriter.appendString(String(value), to: &out)
            }
        }
        out.append(0x7D)
        do {
            return try JSONObjectText(validating: out)
        } catch {
            throw CLIError("--property: \(error.message)", exitCode: 2)
        }
    }
}
