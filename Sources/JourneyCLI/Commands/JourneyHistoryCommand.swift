import ArgumentParser
import JourneyClient
import JourneyCore
import JourneyStore

/// `journeyctl journey ID`: the audit trail.
struct JourneyHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journey",
        abstract: "Show how a customer got where they are: every event, stage change and advocacy change.",
        discussion: "Events are in business order (occurredAt, then arrival). Takes --as-of and --known-at like `customer`.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The customer id.") var id: String
    @OptionGroup var time: TimeTravelOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() async throws {
        let client = try await global.client(.readViews, quiet: json)
        defer { client.close() }
        let j = try await client.journey(id, asOf: time.asOf?.time, knownAt: time.knownAt?.time)
        if json { Output.json(j); return }
        Output.line("journey of \(j.customerId) (model \(j.modelVersion))\(j.asOf.map { ", as of \($0)" } ?? "")\(j.knownAt.map { ", as known at \($0)" } ?? "")")
        Output.line("")
        let transitions = Dictionary(j.transitions.map { ($0.position, $0) }, uniquingKeysWith: { a, _ in a })
        let changes = Dictionary(grouping: j.advocacy, by: \.position)
        for e in j.events {
            var line = "\(e.occurredAt)  #\(e.position)  \(e.type.padding(toLength: 24, withPad: " ", startingAt: 0))"
            if let t = transitions[e.position] {
                line += "  \(t.regression ? "BACK TO" : "ENTERS ") \(t.to)  (from \(t.from ?? "nothing"), rule \(t.rule))"
            } else if let stage = e.stage {
                line += "  \(stage), no move (rule \(e.rule ?? "-"))"
            } else {
                line += "  (not in the model)"
            }
            Output.line(line)
            for c in changes[e.position] ?? [] {
                let evidence = c.evidence.map { "\($0.type) #\($0.position) at \($0.occurredAt)" }.joined(separator: "; ")
                Output.line("    advocacy \(c.from) → \(c.to); evidence: \(evidence)")
            }
        }
        if j.events.isEmpty { Output.line("(no events)") }
    }
}
