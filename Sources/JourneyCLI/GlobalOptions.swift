import ArgumentParser
import Foundation
import JourneyCore
import JourneyStore

/// Options every command takes.
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

    @Flag(name: .long, help: "Create a new store without encryption (it cannot erase customers). Default: $JOURNEY_UNENCRYPTED.")
    var unencrypted = false

    /// The master key: `--master-key-file`, else `JOURNEY_MASTER_KEY_FILE`, else
    /// `JOURNEY_MASTER_KEY` (the key's text); `nil` when none is given.
    func masterKey() throws -> MasterKey? {
        let env = ProcessInfo.processInfo.environment
        do {
            if let file = masterKeyFile ?? env["JOURNEY_MASTER_KEY_FILE"], !file.isEmpty { return try MasterKey(file: file, dataDirectory: dataDirectory) }
            if let text = env["JOURNEY_MASTER_KEY"], !text.isEmpty {
                do {
                    return try MasterKey(text: text)
                } catch {
                    throw StoreError(.masterKeyInvalid, "JOURNEY_MASTER_KEY: \(error.message)")
                }
            }
        } catch let e as StoreError {
            throw CLIError(e.message, exitCode: 2)
        }
        return nil
    }

    /// How the journey engine works its chunks, from the environment (exit 2 on a bad value).
    func engineConfiguration() throws -> EngineConfiguration {
        do {
            return try EngineConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIError(error.message, exitCode: 2)
        }
    }

    /// Whether a new store may be created without a master key.
    var allowUnencrypted: Bool {
        unencrypted || ["1", "true", "yes"].contains((ProcessInfo.processInfo.environment["JOURNEY_UNENCRYPTED"] ?? "").lowercased())
    }

    /// The server to talk to, if any (`--server`, else `JOURNEY_SERVER`).
    func remote() throws -> RemoteClient? {
        let env = ProcessInfo.processInfo.environment
        guard let url = server ?? env["JOURNEY_SERVER"], !url.isEmpty else { return nil }
        var secret = token ?? env["JOURNEY_TOKEN"]
        if secret == nil, let file = tokenFile ?? env["JOURNEY_TOKEN_FILE"], !file.isEmpty {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read the token file \(file)", exitCode: 2) }
            secret = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) }
            guard secret?.isEmpty == false else { throw CLIError("the token file \(file) is empty", exitCode: 2) }
        }
        return try RemoteClient(server: url, token: secret)
    }

    /// For commands that work on the data folder itself (backup, restore, export, compact,
    /// doctor): refuses `--server` / `JOURNEY_SERVER` rather than silently reading a local folder.
    func requireLocal(_ command: String, instead: String? = nil) throws {
        let env = ProcessInfo.processInfo.environment
        guard let url = server ?? env["JOURNEY_SERVER"], !url.isEmpty else { return }
        let origin = server != nil ? "--server" : "JOURNEY_SERVER"
        var message = "\(command) works on the data folder on the server's machine, not through \(origin) (\(url)); run it there with --data"
        if server == nil { message += " and JOURNEY_SERVER unset" }
        if let instead { message += ", or use \(instead)" }
        throw CLIError(message, exitCode: 2)
    }

    /// The data folder: `--data`, else `JOURNEY_DATA`, else `./data`.
    var dataDirectory: String {
        data ?? ProcessInfo.processInfo.environment["JOURNEY_DATA"] ?? "./data"
    }

    /// Opens the store; `create` for commands that write.
    func openStore(create: Bool, durable: Bool = true) throws -> EventStore {
        var config = StoreConfiguration(directory: dataDirectory)
        config.createIfMissing = create
        config.durable = durable
        config.masterKey = try masterKey()
        config.allowUnencrypted = allowUnencrypted
        do {
            return try EventStore(config)
        } catch {
            throw CLIError(error)
        }
    }
}
