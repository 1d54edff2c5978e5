public import ArgumentParser
import JourneyStore
#if canImport(Glibc)
import Glibc
#endif

/// `journeyctl`: the journey store's command line.
public struct JourneyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "journeyctl",
        abstract: "The journey store: an event-sourced log of customer interactions.",
        discussion: """
            Exit codes: 0 success, 1 failure, 2 bad usage or bad input.
            The data folder is --data, else $JOURNEY_DATA, else ./data. With --log postgres://… \
            (or $JOURNEY_LOG) it holds this machine's replica of that log on PostgreSQL, made \
            from the log when new: commands read the replica and append through it, as a \
            journey node does. With --server (or $JOURNEY_SERVER) they talk to a server instead.
            """,
        subcommands: [
            AppendCommand.self, IngestCommand.self, EventsCommand.self, VerifyCommand.self, StatsCommand.self,
            CustomerCommand.self, JourneyHistoryCommand.self, FunnelCommand.self, MapCommand.self, AtRiskCommand.self, StageCommand.self, AdvocatesCommand.self,
            ProjectionsCommand.self, RebuildCommand.self, SimulateCommand.self, ModelCommand.self, ServeCommand.self,
            BackupCommand.self, RestoreCommand.self, ExportCommand.self, CompactCommand.self, DoctorCommand.self,
            EraseCommand.self, ErasuresCommand.self, KeygenCommand.self, MigrateCommand.self, IdentityCommand.self,
        ]
    )

    public init() {}

    /// Parses the process arguments, runs the command and exits with its code:
    /// 0 success, 1 failure, 2 bad usage or bad input.
    public static func runFromCommandLine(_ arguments: [String]? = nil) async -> Never {
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Glibc.exit(0)
        } catch let error as CLIError {
            Output.error("journeyctl: \(error.message)")
            Glibc.exit(error.exitCode)
        } catch let error as StoreError {
            let e = CLIError(error)
            Output.error("journeyctl: \(e.message)")
            Glibc.exit(e.exitCode)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Output.line(message) }
                Glibc.exit(0)
            }
            if !message.isEmpty { Output.error(message) }
            Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
