import ArgumentParser
import Foundation
import JourneyClient
import JourneyCore

/// `journeyctl projections`: status of every projection.
struct ProjectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Show each projection's checkpoint, head, lag, state, generation, model, rate and last error.",
        discussion: "Brings the views up to date first (use --no-catch-up to see them as they are).")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Show the views as they are, without applying new events first.") var noCatchUp = false
    @Flag(help: "Print as JSON.") var json = false
    @Flag(help: "List the events the views applied without their properties (they did not open).") var faults = false

    func run() async throws {
        let client = try await global.client(noCatchUp ? .readLog : .readViews, quiet: json)
        defer { client.close() }
        if faults {
            let list = try await client.faults(limit: 1000)
            if json { Output.json(list); return }
            if list.isEmpty { Output.line("no faults: every event's properties opened"); return }
            for f in list { Output.line("position \(f.position)  event \(f.eventId)  customer \(f.customerId): \(f.problem)") }
            return
        }
        let statuses = try await client.projections()
        if json { Output.json(statuses); return }
        Output.line("projection        state        checkpoint        head     lag  gen  model  events/s  last error")
        for s in statuses {
            var line = s.name.padding(toLength: 16, withPad: " ", startingAt: 0) + "  " + s.state.padding(toLength: 10, withPad: " ", startingAt: 0)
            line += Format.count(s.checkpoint).leftPad(12) + Format.count(s.head).leftPad(12) + Format.count(s.lag).leftPad(8)
            line += String(s.generation).leftPad(5) + s.modelVersion.leftPad(7) + Format.count(Int(s.eventsPerSecond)).leftPad(10)
            line += "  " + (s.lastError ?? "-")
            Output.line(line)
            if let r = s.rebuild {
                Output.line("  rebuilding generation \(r.generation) (model \(r.modelVersion)): \(Format.count(r.checkpoint)) of \(Format.count(r.head)) (\(Int(r.fraction * 100))%)")
            }
        }
        if let n = statuses.first?.faults, n > 0 {
            Output.line("faults: \(Format.count(n)) event(s) applied without their properties, which did not open; list them with journeyctl projections --faults")
        }
    }
}

/// `journeyctl rebuild [NAME]`: rebuild projections into a new generation.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild one projection (or all) from position 1 into a new generation, then switch to it.",
        discussion: """
            The current views keep answering reads until the new generation has caught up with \
            the log; the switch is atomic. Projections: \(ProjectionKind.allCases.map(\.rawValue).joined(separator: ", ")).
            An interrupted rebuild resumes where it stopped when run again.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The projection to rebuild (default: all).") var name: ProjectionKind?
    @Flag(help: "Print the final progress as JSON.") var json = false

    func run() async throws {
        let kinds = name.map { [$0] } ?? ProjectionKind.allCases
        let showProgress = Output.stderrIsTerminal && !json
        let client = try await global.client(.readLog)
        defer { client.close() }
        let reports: [RebuildProgress]
        do {
            reports = try await client.rebuild(kinds) { progress in
                guard showProgress, let p = progress.first else { return }
                let eta = p.etaSeconds.map { String(format: ", about %.0f s left", $0) } ?? ""
                Output.progress("rebuilding \(kinds.count == 1 ? kinds[0].rawValue : "all projections"): \(Format.count(p.checkpoint)) of \(Format.count(p.head)) events (\(Int(p.fraction * 100))%), \(Format.rate(p.eventsPerSecond))\(eta)")
            }
        } catch {
            if showProgress { Output.clearProgress() }
            throw error
        }
        if showProgress { Output.clearProgress() }
        if json { Output.json(reports); return }
        for r in reports {
            Output.line("rebuilt \(r.name): generation \(r.generation), model \(r.modelVersion), \(Format.count(r.checkpoint)) events\(r.eventsPerSecond > 0 ? " at \(Format.rate(r.eventsPerSecond))" : "")")
        }
    }
}

