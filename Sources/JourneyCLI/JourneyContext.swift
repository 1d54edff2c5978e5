import Foundation
import JourneyCore
import JourneyStore

/// Opens the store and the journey layer for a read command, bringing the views up to date
/// first (with no server running, the CLI applies what was ingested before it answers).
struct JourneyContext {
    let store: EventStore
    let engine: JourneyEngine

    init(_ global: GlobalOptions, quiet: Bool = false) throws {
        let configuration = try global.engineConfiguration()
        store = try global.openStore(create: false)
        do {
            engine = try JourneyEngine(store: store, configuration: configuration)
            let head = try store.headPosition()
            let showProgress = Output.stderrIsTerminal && !quiet
            try engine.live.catchUp { applied in
                if showProgress { Output.progress("bringing the views up to date… \(Format.count(applied)) of up to \(Format.count(head)) events") }
            }
            if showProgress { Output.clearProgress() }
        } catch {
            store.close()
            throw CLIError(error)
        }
    }

    func close() { store.close() }
}

/// Parses `--as-of` / `--known-at` style options.
func parseTime(_ text: String?, option: String) throws -> Timestamp? {
    guard let text else { return nil }
    switch Timestamp.parse(text) {
    case .success(let t): return t
    case .failure(let e): throw CLIError("\(option): \(e.reason), got \"\(text)\"", exitCode: 2)
    }
}
