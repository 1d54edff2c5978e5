import ArgumentParser
import Foundation
import JourneyServer
import JourneyStore
import Logging

/// `journeyctl serve`: the HTTP API and the projection workers over the store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API and the projection workers (until SIGTERM or SIGINT).",
        discussion: """
            Settings come from flags, then JOURNEY_… environment variables, then --config FILE \
            (JSON; see deploy/journey.example.json), then defaults: 127.0.0.1:8080, data in ./data. \
            With no token the server only listens on loopback unless --insecure-public is given. \
            Tokens: --token-file FILE (or JOURNEY_TOKENS_FILE), one name:scope:secret a line \
            (scope read, write or admin), mode 0600; or JOURNEY_TOKENS=name:scope:secret,… ; or \
            --token name:scope:secret, repeatable (visible to every local user in ps: for tests only).
            """)

    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port (default 8080; 0 picks a free one).") var port: Int?
    @Option(name: .customLong("data"), help: ArgumentHelp("The data folder (default ./data).", valueName: "dir")) var data: String?
    @Option(name: .customLong("log"), help: ArgumentHelp("The log on PostgreSQL, postgres://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]...]/DATABASE (default: $JOURNEY_LOG, else the data folder's own). The data folder then holds this node's replica and views.", valueName: "url"))
    var log: String?
    @Flag(help: "With --log: flush every commit of this node's replica to disk (default: unflushed; the log on PostgreSQL holds every acknowledged event, and a replica written unflushed before the machine restarted is built again from it; $JOURNEY_SYNC_REPLICA).")
    var syncReplica = false
    @Option(help: "A JSON configuration file.") var config: String?
    @Option(name: .customLong("token"), help: ArgumentHelp("A bearer token, name:scope:secret (repeatable).", valueName: "token"))
    var tokens: [String] = []
    @Option(help: ArgumentHelp("A file of bearer tokens, one name:scope:secret a line (default: $JOURNEY_TOKENS_FILE).", valueName: "file"))
    var tokenFile: String?
    @Flag(help: "Listen on a non-loopback address without any token.") var insecurePublic = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info).") var logLevel: String?
    @Option(help: "Largest request body in bytes (default 8 MiB).") var maxBodyBytes: Int?
    @Option(help: ArgumentHelp("The master key file (default: $JOURNEY_MASTER_KEY_FILE, or the key in $JOURNEY_MASTER_KEY).", valueName: "file"))
    var masterKeyFile: String?
    @Flag(help: "Create a new store without encryption (it cannot erase customers).") var unencrypted = false
    @Option(help: ArgumentHelp("How Segment's messages and CloudEvents become events (default: the documented mapping; $JOURNEY_MAPPING_FILE).", valueName: "file"))
    var mapping: String?

    /// Defaults, then the file, then the environment, then flags.
    func configuration() -> Result<ServerConfiguration, ConfigurationError> {
        var c = ServerConfiguration()
        do throws(ConfigurationError) {
            if let config { try c.apply(file: config) }
            try c.apply(environment: ProcessInfo.processInfo.environment)
            if let host { c.host = host }
            if let port { c.port = port }
            if let data { c.dataDirectory = data }
            if let log { c.log = log.isEmpty ? nil : log }
            if syncReplica { c.syncReplica = true }
            if !tokens.isEmpty {
                var parsed: [APIToken] = []
                for t in tokens { parsed.append(try APIToken(parsing: t)) }
                c.tokens = parsed
            }
            if let tokenFile { c.tokens = try ServerConfiguration.tokens(file: tokenFile) }
            if insecurePublic { c.insecurePublic = true }
            if let logLevel { c.logLevel = logLevel }
            if let maxBodyBytes { c.maxBodyBytes = maxBodyBytes }
            if let masterKeyFile { c.masterKeyFile = masterKeyFile; c.masterKeyText = nil }
            if unencrypted { c.unencrypted = true }
            if let mapping { try c.loadMapping(mapping) }
            try c.validate()
            return .success(c)
        } catch {
            return .failure(error)
        }
    }

    func run() async throws {
        let c: ServerConfiguration
        switch configuration() {
        case .success(let value): c = value
        case .failure(let e): throw CLIError(e.message, exitCode: 2)
        }
        let level = Logger.Level(rawValue: c.logLevel) ?? .info
        LoggingSystem.bootstrap { label in ServerLogHandler(label: label, level: level) }
        var logger = Logger(label: "journey-store")
        logger.logLevel = level
        let server: JourneyServer
        do {
            server = try await JourneyServer.open(configuration: c, logger: logger)
        } catch let e as StoreError {
            throw CLIError("cannot start: \(e.message)", exitCode: [.masterKeyMissing, .masterKeyWrong, .masterKeyInvalid, .formatOutdated].contains(e.code) ? 2 : 1)
        } catch {
            throw CLIError("cannot start: \(error)")
        }
        do {
            try await server.run()
        } catch {
            throw CLIError("the server stopped: \(error)")
        }
    }
}
