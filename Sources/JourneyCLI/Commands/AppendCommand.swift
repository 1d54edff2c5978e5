import ArgumentParser
import Foundation
import JourneyStore
import JourneyJSON

/// `journeyctl append`: appends one event, durably.
struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append one event to a customer's stream (durable when it returns).",
        discussion: """
            --property k=v sets a string property; k:=JSON sets any JSON value \
            (e.g. --property nps:=9 --property tags:='["a","b"]').
            Prints the event's position and version; a retry with the same --id and content \
            reports the original as a duplicate.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The customer id (1–256 characters).") var customer: String
    @Option(help: "The event type, e.g. purchase.") var type: String
    @Option(help: "Where it happened, e.g. pricing_page.") var touchpoint: String?
    @Option(help: "Through which channel, e.g. web.") var channel: String?
    @Option(help: "Business time, RFC 3339 (default: now).") var occurredAt: String?
    @Option(help: "Sentiment, -1…1.") var sentiment: String?
    @Option(name: .customLong("property"), help: ArgumentHelp("A property, k=v (string) or k:=JSON.", valueName: "k=v"))
    var properties: [String] = []
    @Option(help: "The event id (idempotency key; default: a generated UUIDv7).") var id: String?
    @Option(help: ArgumentHelp("Expected stream version: any, no-stream, exists or N.", valueName: "version"))
    var expectedVersion: String = "any"
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        guard let expected = ExpectedVersion(parsing: expectedVersion) else {
            throw CLIError("--expected-version: expected any, no-stream, exists or a number, got \(expectedVersion)", exitCode: 2)
        }
        let event = try buildEvent()
        let result: AppendedEvent
        if let remote = try global.remote() {
            struct Reply: Decodable { var events: [AppendedEvent] }
            let reply: Reply
            if expected == .any {
                reply = try await remote.json(Reply.self, "POST", "/v1/events", body: Data(event.jsonBytes), contentType: "application/json")
            } else {
                let version: String = switch expected {
                case .exact(let n): String(n)
                default: "\"\(expected.description)\""
                }
                let body = Data(#"{"expectedVersion":"#.utf8) + Data(version.utf8) + Data(#","events":["#.utf8) + Data(event.jsonBytes) + Data("]}".utf8)
                reply = try await remote.json(Reply.self, "POST", "/v1/customers/\(RemoteClient.segment(customer))/events", body: body, contentType: "application/json")
            }
            result = reply.events[0]
        } else {
            let store = try global.openStore(create: true)
            defer { store.close() }
            do {
                result = try await store.append(event, expected: expected)
            } catch {
                throw CLIError(error)
            }
        }
        if json {
            Output.json(result)
        } else if result.duplicate {
            Output.line("duplicate: event \(result.id) is already in the log at position \(result.position) (customer \(result.customerId), version \(result.version)); nothing written")
        } else {
            Output.line("appended event \(result.id) at position \(result.position) (customer \(result.customerId), version \(result.version))")
        }
    }

    func buildEvent() throws -> NewEvent {
        var occurred: Timestamp?
        if let occurredAt {
            switch Timestamp.parse(occurredAt) {
            case .success(let t): occurred = t
            case .failure(let e): throw CLIError("--occurred-at: \(e.reason), got \"\(occurredAt)\"", exitCode: 2)
            }
        }
        var sentimentValue: Double?
        if let sentiment {
            guard let v = Double(sentiment), v.isFinite else {
                throw CLIError("--sentiment: expected a number in -1…1, got \"\(sentiment)\"", exitCode: 2)
            }
            sentimentValue = v
        }
        let event = NewEvent(
            id: id, customerId: customer, type: type, occurredAt: occurred, touchpoint: touchpoint,
            channel: channel, sentiment: sentimentValue, properties: try PropertyArguments.object(properties))
        do {
            try event.validate()
        } catch {
            throw CLIError(error)
        }
        return event
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
