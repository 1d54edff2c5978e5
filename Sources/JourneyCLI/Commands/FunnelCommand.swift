import ArgumentParser
import JourneyClient
import Foundation
import JourneyCore

/// `journeyctl funnel`.
struct FunnelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funnel",
        abstract: "Customers per stage now and ever, conversion to the next stage, time between stages.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() async throws {
        let client = try await global.client(.readViews, quiet: json)
        defer { client.close() }
        let f = try await client.funnel()
        if json { Output.json(f); return }
        Output.line("funnel of \(Format.count(f.customers)) customers (model \(f.modelVersion)); \(Format.count(f.noStage)) with no stage yet")
        Output.line("stage            now      ever   → next   median to next   p90 to next")
        for s in f.stages {
            let conversion = s.conversionToNext.map { String(format: "%5.1f%%", $0 * 100) } ?? "     -"
            let median = s.toNext?.medianSeconds.map(Format.duration) ?? "-"
            let p90 = s.toNext?.p90Seconds.map(Format.duration) ?? "-"
            Output.line(s.stage.padding(toLength: 14, withPad: " ", startingAt: 0)
                + Format.count(s.current).leftPad(7) + Format.count(s.reached).leftPad(10) + "   " + conversion
                + median.leftPad(17) + p90.leftPad(14))
        }
    }
}

extension Format {
    static func duration(_ seconds: Double) -> String {
        if seconds < 120 { return String(format: "%.0f s", seconds) }
        if seconds < 7200 { return String(format: "%.0f min", seconds / 60) }
        if seconds < 172_800 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.1f d", seconds / 86_400)
    }
}

extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
