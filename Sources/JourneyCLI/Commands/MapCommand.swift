import ArgumentParser
import Foundation
import JourneyClient
import JourneyCore

/// `journeyctl map [paths STAGE]`: the journey map computed from the data.
struct MapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "The journey map: per stage, touchpoints, sentiment, KPIs, moments of truth and pain points.",
        discussion: """
            Lifts and advance rates are correlations, not causes; every rate is shown with the \
            number of customers it is over (small segments are noisy).
            """,
        subcommands: [Show.self, Paths.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the map (the default).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this segment's customers (a segment of the model; default all).") var segment: String?
        @Option(help: ArgumentHelp("Only customers first seen at or after this time.", valueName: "RFC 3339 time")) var from: TimeArgument?
        @Option(help: ArgumentHelp("… and before this time.", valueName: "RFC 3339 time")) var to: TimeArgument?
        @Option(help: ArgumentHelp("The reference time for in progress / stalled (default now).", valueName: "RFC 3339 time")) var at: TimeArgument?
        @Option(help: "The least customers for a moment of truth or pain point (default 30).") var minSupport: Int64 = 30
        @Option(help: "Touchpoints listed per stage (default 5; the JSON lists 50 unless given).") var touchpoints: Int?
        @Flag(help: "Print as JSON.") var json = false

        func validate() throws {
            _ = try from?.check("--from"); _ = try to?.check("--to"); _ = try at?.check("--at")
            if minSupport < 1 { throw ValidationError("--min-support: expected at least 1, got \(minSupport)") }
            if let touchpoints, touchpoints < 0 { throw ValidationError("--touchpoints: expected 0 or more, got \(touchpoints)") }
        }

        func run() async throws {
            let client = try await global.client(.readViews, quiet: json)
            defer { client.close() }
            var q = MapQuery()
            q.segment = segment
            q.from = from?.time
            q.to = to?.time
            q.at = at?.time
            q.minSupport = minSupport
            if let touchpoints { q.touchpoints = touchpoints }
            let map = try await client.map(q)
            if json { Output.json(map); return }
            MapCommand.print(map, touchpoints: touchpoints ?? 5)
        }
    }

    struct Paths: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "paths", abstract: "The last three touchpoints in a stage of those who stalled there, and of those who went on.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The stage.") var stage: String
        @Option(help: "Only this segment's customers.") var segment: String?
        @Option(help: ArgumentHelp("The reference time for stalled (default now).", valueName: "RFC 3339 time")) var at: TimeArgument?
        @Option(help: "Paths listed of each kind (default 10).") var limit: Int = 10
        @Flag(help: "Print as JSON.") var json = false

        func validate() throws {
            _ = try at?.check("--at")
            if !(1...100).contains(limit) { throw ValidationError("--limit: expected 1…100, got \(limit)") }
        }

        func run() async throws {
            let client = try await global.client(.readViews, quiet: json)
            defer { client.close() }
            let p = try await client.mapPaths(stage: stage, segment: segment, at: at?.time, limit: limit)
            if json { Output.json(p); return }
            for (title, list) in [("stalled in \(p.stage)", p.stalled), ("went on from \(p.stage)", p.wentOn)] {
                Output.line("\(title) (\(p.segment), at \(p.at)):")
                if list.isEmpty { Output.line("  none") }
                for path in list { Output.line("  \(Format.count(path.customers).leftPad(7))  " + path.touchpoints.joined(separator: "  →  ")) }
            }
        }
    }

    static func print(_ m: MapOutput, touchpoints: Int) {
        var head = "journey map of \(Format.count(m.customers)) customers (\(m.segment == "all" ? "everyone" : "segment \(m.segment): \(m.segmentName)")"
        if m.from != nil || m.to != nil { head += ", first seen \(m.from ?? "…") to \(m.to ?? "…")" }
        Output.line(head + "; model \(m.modelVersion); at \(m.at))")
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        func num(_ v: Double?) -> String { v.map { String(format: "%+.2f", $0) } ?? "-" }
        for s in m.stages {
            Output.line("")
            var line = "\(s.stage): reached \(Format.count(s.reached)), now \(Format.count(s.current)) (in progress \(Format.count(s.inProgress)), stalled \(Format.count(s.stalled)))"
            if let c = s.conversionToNext { line += "; to next \(pct(c))" }
            if let t = s.timeToNext, let p50 = t.p50Seconds {
                line += "; time to next p50 \(Format.duration(p50)), p90 \(t.p90Seconds.map(Format.duration) ?? "-") (\(Format.count(t.customers)))"
            }
            Output.line(line)
            var kpi = "  sentiment \(num(s.sentiment.mean)) over \(Format.count(s.sentiment.count)) events"
            if let nps = s.kpis.nps { kpi += "; NPS \(String(format: "%.0f", nps.score)) (\(Format.count(nps.customers)))" }
            for (id, v) in s.kpis.metrics.sorted(by: { $0.key < $1.key }) { kpi += "; \(id) \(String(format: "%.2f", v.mean)) (\(Format.count(v.customers)))" }
            if let a = s.kpis.actionsPerCustomer, a > 0 { kpi += "; advocacy actions per customer \(String(format: "%.2f", a))" }
            Output.line(kpi)
            for t in s.touchpoints.prefix(touchpoints) {
                Output.line("  " + name(t).padding(toLength: 44, withPad: " ", startingAt: 0) + Format.count(t.customers).leftPad(7) + " customers  sentiment "
                    + num(t.sentiment).leftPad(5) + (t.lift.map { "  lift " + String(format: "%.2f", $0) } ?? ""))
            }
            for t in s.momentsOfTruth {
                Output.line("  moment of truth: \(name(t)) \(t.effect ?? "") the chance to move on (lift \(String(format: "%.2f", t.lift ?? 0)), \(Format.count(t.customers)) customers; a correlation, not a cause)")
            }
            for t in s.painPoints {
                Output.line("  pain point: \(name(t)) (\((t.reasons ?? []).joined(separator: ", ")); sentiment \(num(t.sentiment)), lift \(t.lift.map { String(format: "%.2f", $0) } ?? "-"), \(Format.count(t.customers)) customers)")
            }
        }
    }

    static func name(_ t: MapOutput.Touchpoint) -> String { [t.type, t.touchpoint, t.channel].compactMap { $0 }.joined(separator: " · ") }
}

/// `journeyctl at-risk`: customers now stalled, detractors or inactive.
struct AtRiskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "at-risk",
        abstract: "Customers at risk: stalled in their stage, detractors, or inactive, with the reasons.",
        discussion: """
            Stalled: in the stage longer than its p90 time to the next at --at (default now). \
            Inactive: no event for more than the model's inactiveDays (default 30).
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only customers now in this stage.") var stage: String?
    @Option(help: "Only this reason: stalled, detractor or inactive.") var reason: String?
    @Option(help: ArgumentHelp("The reference time (default now).", valueName: "RFC 3339 time")) var at: TimeArgument?
    @Option(help: "The next of a previous page.") var after: String?
    @Option(help: "Customers per page (default 100).") var limit: Int = 100
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        _ = try at?.check("--at")
        if !(1...10_000).contains(limit) { throw ValidationError("--limit: expected 1…10000, got \(limit)") }
    }

    func run() async throws {
        let client = try await global.client(.readViews, quiet: json)
        defer { client.close() }
        let page = try await client.atRisk(stage: stage, reason: reason, at: at?.time, after: after, limit: limit)
        if json { Output.json(page); return }
        for c in page.customers {
            Output.line(c.customerId.padding(toLength: 24, withPad: " ", startingAt: 0) + " " + c.reasons.joined(separator: ",").padding(toLength: 26, withPad: " ", startingAt: 0)
                + " " + (c.stage ?? "-").padding(toLength: 14, withPad: " ", startingAt: 0) + " since " + (c.since ?? "-") + "  last " + (c.lastSeen ?? "-")
                + (c.lastTouchpoint.map { "  (\($0))" } ?? ""))
        }
        if page.customers.isEmpty { Output.line("no customers at risk") }
        if let next = page.next { Output.line("more: --after \(next)") }
    }
}
