import ArgumentParser
import Foundation
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
        if faults { return try await listFaults() }
        let statuses: [ProjectionStatus]
        if let remote = try global.remote() {
            statuses = try await remote.json([ProjectionStatus].self, "GET", "/v1/projections")
        } else {
            let configuration = try global.engineConfiguration()
            let store = try global.openStore(create: false)
            defer { store.close() }
            do {
                let engine = try JourneyEngine(store: store, configuration: configuration)
                if !noCatchUp { try engine.live.catchUp() }
                statuses = try engine.queries.status()
            } catch {
                throw CLIError(error)
            }
        }
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

    func listFaults() async throws {
        let list: [ProjectionFault]
        if let remote = try global.remote() {
            list = try await remote.json([ProjectionFault].self, "GET", "/v1/projections/faults?limit=1000")
        } else {
            let store = try global.openStore(create: false)
            defer { store.close() }
            do {
                let engine = try JourneyEngine(store: store)
                if !noCatchUp { try engine.live.catchUp() }
                list = try engine.queries.faults(limit: 1000)
            } catch {
                throw CLIError(error)
            }
        }
        if json { Output.json(list); return }
        if list.isEmpty { Output.line("no faults: every event's properties opened"); return }
        for f in list {
            Output.line("position \(f.position)  event \(f.eventId)  customer \(f.customerId): \(f.problem)")
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
    @Argument(help: "The projection to rebuild (default: all).") var name: String?
    @Flag(help: "Print the final progress as JSON.") var json = false

    func run() async throws {
        var kinds = ProjectionKind.allCases
        if let name {
            guard let kind = ProjectionKind(rawValue: name) else {
                throw CLIError("unknown projection \(name) (expected one of \(ProjectionKind.allCases.map(\.rawValue).joined(separator: ", ")))", exitCode: 2)
            }
            kinds = [kind]
        }
        let showProgress = Output.stderrIsTerminal && !json
        if let remote = try global.remote() {
            let reports = try await RemoteRebuild.run(remote, path: "/v1/projections/\(name ?? "all")/rebuild", method: "POST", body: nil,
                                                      kinds: name == nil || name == "journey-history" ? ProjectionKind.allCases : kinds, showProgress: showProgress)
            if json { Output.json(reports); return }
            for r in reports {
                Output.line("rebuilt \(r.name): generation \(r.generation), model \(r.modelVersion), \(Format.count(r.checkpoint)) events")
            }
            return
        }
        let store = try global.openStore(create: false)
        defer { store.close() }
        let reports: [RebuildProgress]
        do {
            let engine = try JourneyEngine(store: store)
            reports = try engine.rebuilder.rebuild(kinds) { progress in
                guard showProgress, let p = progress.first else { return }
                let eta = p.etaSeconds.map { String(format: ", about %.0f s left", $0) } ?? ""
                Output.progress("rebuilding \(kinds.count == 1 ? kinds[0].rawValue : "all projections"): \(Format.count(p.checkpoint)) of \(Format.count(p.head)) events (\(Int(p.fraction * 100))%), \(Format.rate(p.eventsPerSecond))\(eta)")
            }
        } catch {
            if showProgress { Output.clearProgress() }
            throw CLIError(error)
        }
        if showProgress { Output.clearProgress() }
        if json { Output.json(reports); return }
        for r in reports {
            Output.line("rebuilt \(r.name): generation \(r.generation), model \(r.modelVersion), \(Format.count(r.checkpoint)) events at \(Format.rate(r.eventsPerSecond))")
        }
    }
}

/// A rebuild (or model activation) on a server: started by one request, followed by polling
/// `GET /v1/projections` until every projection involved has switched to its new generation.
enum RemoteRebuild {
    static func run(_ remote: RemoteClient, path: String, method: String, body: Data?, kinds: [ProjectionKind],
                    showProgress: Bool) async throws -> [RebuildProgress] {
        let before = try await remote.json([ProjectionStatus].self, "GET", "/v1/projections")
        let start = Dictionary(uniqueKeysWithValues: before.map { ($0.name, $0.generation) })
        let reply = try await remote.send(method, path, body: body, contentType: body == nil ? nil : "application/json")
        if reply.status == 200 { return [] }
        let names = Set(kinds.map(\.rawValue))
        while true {
            try await Task.sleep(for: .milliseconds(200))
            let now = try await remote.json([ProjectionStatus].self, "GET", "/v1/projections").filter { names.contains($0.name) }
            if let p = now.compactMap(\.rebuild).first, showProgress {
                Output.progress("rebuilding on the server: \(Format.count(p.checkpoint)) of \(Format.count(p.head)) events (\(Int(p.fraction * 100))%)")
            }
            if now.allSatisfy({ $0.generation > (start[$0.name] ?? 0) && $0.rebuild == nil }) {
                if showProgress { Output.clearProgress() }
                return now.map {
                    RebuildProgress(name: $0.name, generation: $0.generation, modelVersion: $0.modelVersion, checkpoint: $0.checkpoint,
                                    head: $0.head, fraction: 1, eventsPerSecond: 0, etaSeconds: nil, switched: true)
                }
            }
            if let error = now.compactMap(\.lastError).first, now.allSatisfy({ $0.rebuild == nil }) {
                throw CLIError("the rebuild stopped on the server: \(error)")
            }
        }
    }
}
