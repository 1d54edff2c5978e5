import ArgumentParser
import Foundation
import JourneyStore

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data folder (default: $JOURNEY_DATA, else ./data).", valueName: "dir"))
    var data: String?

    /// The data folder: `--data`, else `JOURNEY_DATA`, else `./data`.
    var dataDirectory: String {
        data ?? ProcessInfo.processInfo.environment["JOURNEY_DATA"] ?? "./data"
    }

    /// Opens the store; `create` for commands that write.
    func openStore(create: Bool, durable: Bool = true) throws -> EventStore {
        var config = StoreConfiguration(directory: dataDirectory)
        config.createIfMissing = create
        config.durable = durable
        do {
            return try EventStore(config)
        } catch {
            throw CLIError(error)
        }
    }
}
