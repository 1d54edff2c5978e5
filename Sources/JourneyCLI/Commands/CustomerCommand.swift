import ArgumentParser
import JourneyClient
import JourneyCore
import JourneyStore
import JourneyJSON

/// `journeyctl customer ID`: current stage and advocacy, or as of a time.
struct CustomerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "Show a customer's stage, stage entry times and advocacy (now, or as of a time).",
        discussion: """
            --as-of T leaves out events that occurred after T (business time); --known-at K leaves \
            out events recorded after K (what the store knew then). Both are RFC 3339 times. \
            A customer the store has never seen exits 1.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The customer id.") var id: String
    @OptionGroup var time: TimeTravelOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() async throws {
        let client = try await global.client(.readViews, quiet: json)
        defer { client.close() }
        let c = try await client.customer(id, asOf: time.asOf?.time, knownAt: time.knownAt?.time)
        if json { Output.json(c); return }
        Output.line("customer   \(c.customerId)\(c.asOf.map { "  (as of \($0))" } ?? "")\(c.knownAt.map { "  (as known at \($0))" } ?? "")")
        if let canonical = c.canonicalId, canonical != c.customerId { Output.line("journey of \(canonical)") }
        if let ids = c.identities, ids.count > 1 { Output.line("identities " + ids.map { "\($0.kind) \($0.id)" }.joined(separator: ", ")) }
        Output.line("stage      \(c.stage ?? "none yet")\(c.since.map { " since \($0)" } ?? "")")
        Output.line("events     \(c.eventCount) (version \(c.version))\(c.firstSeen.map { ", first \($0)" } ?? "")\(c.lastSeen.map { ", last \($0)" } ?? "")")
        Output.line("stages     " + (c.stages.isEmpty ? "none reached" : c.stages.map { "\($0.stage) \($0.enteredAt)" }.joined(separator: " → ")))
        let a = c.advocacy
        var line = "advocacy   \(a.level)\(a.since.map { " since \($0)" } ?? "")"
        line += "; actions " + a.actions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        for (k, m) in a.metrics.sorted(by: { $0.key < $1.key }) { line += "; \(k) \(JSONNumber.text(m.value)) (\(m.at))" }
        line += "; detractor \(a.detractor ? "yes" : "no")"
        Output.line(line)
        Output.line("model      \(c.modelVersion)")
    }
}

enum JSONNumber {
    static func text(_ v: Double) -> String {
        var out: [UInt8] = []
        JSONWriter.appendDouble(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
