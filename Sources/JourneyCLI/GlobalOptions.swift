import ArgumentParser
import Foundation
import JourneyClient
import JourneyCore
import JourneyStore

/// Options every command takes, and the one place that decides whether a command talks to a
/// data folder or to a server.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data folder (default: $JOURNEY_DATA, else ./data).", valueName: "dir"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("Talk to a running server instead of the data folder (default: $JOURNEY_SERVER).", valueName: "url"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("Bearer token for --server (default: $JOURNEY_TOKEN). Visible to other users in ps: prefer --token-file.", valueName: "token"))
    var token: String?

    @Option(name: .long, help: ArgumentHelp("A file holding the bearer token for --server (default: $JOURNEY_TOKEN_FILE).", valueName: "file"))
    var tokenFile: String?

    @Option(name: .long, help: ArgumentHelp("The master key file (default: $JOURNEY_MASTER_KEY_FILE; or the key itself in $JOURNEY_MASTER_KEY).", valueName: "file"))
    var masterKeyFile: String?

    @Option(name: .long, help: ArgumentHelp("The log on PostgreSQL, postgres://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]...]/DATABASE, whose replica the data folder holds (made from the log when new; default: $JOURNEY_LOG). For migrate: the log to copy --from into.", valueName: "url"))
    var log: String?

    @Flag(name: .long, help: "Create a new store without encryption (it cannot erase customers). Default: $JOURNEY_UNENCRYPTED.")
    var unencrypted = false

    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The data folder: `--data`, else `JOURNEY_DATA`, else `./data`.
    var dataDirectory: String { data ?? environment["JOURNEY_DATA"] ?? "./data" }

    /// The server URL, if the command is to talk to one (`--server`, else `JOURNEY_SERVER`).
    var serverURL: String? {
        guard let url = server ?? environment["JOURNEY_SERVER"], !url.isEmpty else { return nil }
        return url
    }

    /// The log on PostgreSQL the data folder is a replica of: `--log`, else `JOURNEY_LOG`.
    var logURL: String? {
        guard let url = log ?? environment["JOURNEY_LOG"], !url.isEmpty else { return nil }
        return url
    }

    /// The master key: `--master-key-file`, else `JOURNEY_MASTER_KEY_FILE`, else
    /// `JOURNEY_MASTER_KEY` (the key's text); `nil` when none is given.
    func masterKey() throws(StoreError) -> MasterKey? {
        try MasterKey.load(file: masterKeyFile ?? environment["JOURNEY_MASTER_KEY_FILE"], text: environment["JOURNEY_MASTER_KEY"], dataDirectory: dataDirectory)
    }

    /// The client a command works with: the server named by `--server` (or `JOURNEY_SERVER`),
    /// else the data folder (with `--log` or `JOURNEY_LOG`, this machine's replica there of that
    /// log on PostgreSQL). `quiet`: no progress line while a local store's views catch up.
    /// `durable: false` is `ingest --no-sync`, which only a lone data folder can do.
    func client(_ intent: ClientIntent, quiet: Bool = false, durable: Bool = true) async throws -> any JourneyClient {
        if let url = serverURL {
            guard durable else { throw CLIError("--no-sync applies to a local data folder, not to --server", exitCode: 2) }
            if log != nil { throw CLIError("--log and --server name two places: the server has its own log; give one of them", exitCode: 2) }
            return try RemoteClient(server: url, token: try bearerToken())
        }
        var options = LocalClient.Options(directory: dataDirectory)
        options.masterKey = try masterKey()
        options.allowUnencrypted = unencrypted || EnvironmentFlag.isOn(environment["JOURNEY_UNENCRYPTED"])
        options.durable = durable
        options.engine = try engineConfiguration()
        options.log = logURL
        options.syncReplica = EnvironmentFlag.isOn(environment["JOURNEY_SYNC_REPLICA"])
        if Output.stderrIsTerminal && !quiet {
            options.catchUpProgress = { applied, head in
                Output.progress("bringing the views up to date… \(Format.count(applied)) of up to \(Format.count(head)) events")
            }
        }
        let client = try await LocalClient.open(options, intent: intent)
        if options.catchUpProgress != nil { Output.clearProgress() }
        return client
    }

    /// Opens the data folder itself, for the commands that work on the files (backup, export,
    /// doctor, …): they refuse `--server`.
    func openStore(_ command: String, create: Bool = false, instead: String? = nil) throws -> EventStore {
        try requireLocal(command, instead: instead)
        var config = StoreConfiguration(directory: dataDirectory)
        config.createIfMissing = create
        config.masterKey = try masterKey()
        config.allowUnencrypted = unencrypted || EnvironmentFlag.isOn(environment["JOURNEY_UNENCRYPTED"])
        return try EventStore(config)
    }

    /// For commands that work on the data folder itself: refuses `--server` / `JOURNEY_SERVER`
    /// rather than silently reading a local folder, and `--log` (unless `allowingLog`: a node's
    /// replica in the folder is worked on as it is; `JOURNEY_LOG` is not used here).
    func requireLocal(_ command: String, instead: String? = nil, allowingLog: Bool = false) throws {
        if log != nil && !allowingLog {
            throw CLIError("\(command) works on the data folder itself, and --log does not apply: a node's replica in --data is worked on as it is (JOURNEY_LOG is not used here)", exitCode: 2)
        }
        guard let url = serverURL else { return }
        let origin = server != nil ? "--server" : "JOURNEY_SERVER"
        var message = "\(command) works on the data folder on the server's machine, not through \(origin) (\(url)); run it there with --data"
        if server == nil { message += " and JOURNEY_SERVER unset" }
        if let instead { message += ", or use \(instead)" }
        throw CLIError(message, exitCode: 2)
    }

    /// How the journey engine works its chunks, from the environment.
    func engineConfiguration() throws -> EngineConfiguration {
        do {
            return try EngineConfiguration(environment: environment)
        } catch {
            throw CLIError(error.message, exitCode: 2)
        }
    }

    /// The bearer token: `--token`, else `JOURNEY_TOKEN`, else the first line of `--token-file`
    /// (or `JOURNEY_TOKEN_FILE`).
    private func bearerToken() throws -> String? {
        if let t = token ?? environment["JOURNEY_TOKEN"] { return t }
        guard let file = tokenFile ?? environment["JOURNEY_TOKEN_FILE"], !file.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read the token file \(file)", exitCode: 2) }
        guard let first = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces),
              !first.isEmpty else { throw CLIError("the token file \(file) is empty", exitCode: 2) }
        return first
    }
}
