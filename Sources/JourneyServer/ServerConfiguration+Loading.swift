import Foundation
import JourneyStore
import JourneyPipelines

extension ServerConfiguration {
    /// The settings a configuration file may hold (JSON), all optional.
    struct File: Decodable {
        var host: String?
        var port: Int?
        var dataDirectory: String?
        var log: String?
        var syncReplica: Bool?
        var tokens: [APIToken]?
        var tokensFile: String?
        var insecurePublic: Bool?
        var maxBodyBytes: Int?
        var maxEventBytes: Int?
        var maxHeaderBytes: Int?
        var requestTimeoutSeconds: Double?
        var idleTimeoutSeconds: Double?
        var maxConnections: Int?
        var readyLagThreshold: UInt64?
        var pollIntervalMilliseconds: Int?
        var projectionChunkEvents: Int?
        var rebuildSaveSeconds: Int?
        var coalesceMilliseconds: Int?
        var logLevel: String?
        var masterKeyFile: String?
        var unencrypted: Bool?
        var mappingFile: String?
    }

    /// Every setting a configuration file may name (`deploy/journey.example.json` shows them all).
    public static let fileKeys: [String] = [
        "host", "port", "dataDirectory", "log", "syncReplica", "tokens", "tokensFile", "insecurePublic", "maxBodyBytes", "maxEventBytes",
        "maxHeaderBytes", "requestTimeoutSeconds", "idleTimeoutSeconds", "maxConnections",
        "readyLagThreshold", "pollIntervalMilliseconds", "projectionChunkEvents", "rebuildSaveSeconds", "coalesceMilliseconds", "logLevel",
        "masterKeyFile", "unencrypted", "mappingFile",
    ]

    /// Applies a JSON configuration file (unknown keys are refused).
    public mutating func apply(file path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read the configuration file \(path)")
        }
        let known = Set(Self.fileKeys)
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for key in object.keys.sorted() where !known.contains(key) && !key.hasPrefix("$") && key != "description" {
                throw ConfigurationError("\(path): unknown setting \(key)")
            }
        }
        let f: File
        do {
            f = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ConfigurationError("\(path): \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfigurationError("\(path): \((context.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is missing")
        } catch {
            throw ConfigurationError("\(path): not valid JSON (\(error.localizedDescription))")
        }
        if let v = f.host { host = v }
        if let v = f.port { port = v }
        if let v = f.dataDirectory { dataDirectory = v }
        if let v = f.log { log = v.isEmpty ? nil : v }
        if let v = f.syncReplica { syncReplica = v }
        if let v = f.tokens { tokens = v }
        if let v = f.tokensFile { tokens = try Self.tokens(file: v) }
        if let v = f.insecurePublic { insecurePublic = v }
        if let v = f.maxBodyBytes { maxBodyBytes = v }
        if let v = f.maxEventBytes { maxEventBytes = v }
        if let v = f.maxHeaderBytes { maxHeaderBytes = v }
        if let v = f.requestTimeoutSeconds { requestTimeoutSeconds = v }
        if let v = f.idleTimeoutSeconds { idleTimeoutSeconds = v }
        if let v = f.maxConnections { maxConnections = v }
        if let v = f.readyLagThreshold { readyLagThreshold = v }
        if let v = f.pollIntervalMilliseconds { pollIntervalMilliseconds = v }
        if let v = f.projectionChunkEvents { projectionChunkEvents = v }
        if let v = f.rebuildSaveSeconds { rebuildSaveSeconds = v }
        if let v = f.coalesceMilliseconds { coalesceMilliseconds = v }
        if let v = f.logLevel { logLevel = v }
        if let v = f.masterKeyFile { masterKeyFile = v }
        if let v = f.unencrypted { unencrypted = v }
        if let v = f.mappingFile { try loadMapping(v) }
    }

    /// Reads a mapping file (see ``PipelineMapping/parse(_:source:)``) into ``mapping``.
    public mutating func loadMapping(_ path: String) throws(ConfigurationError) {
        do {
            mapping = try PipelineMapping.load(file: path)
            mappingFile = path
        } catch {
            throw ConfigurationError(error.message)
        }
    }

    /// Applies `JOURNEY_…` environment variables: `JOURNEY_HOST`, `JOURNEY_PORT`, `JOURNEY_DATA`, `JOURNEY_LOG`, `JOURNEY_SYNC_REPLICA`,
    /// `JOURNEY_TOKENS` (comma-separated `name:scope:secret`), `JOURNEY_TOKENS_FILE` (a file of
    /// such lines, which wins over `JOURNEY_TOKENS`), `JOURNEY_INSECURE_PUBLIC`,
    /// `JOURNEY_MAX_BODY_BYTES`, `JOURNEY_MAX_EVENT_BYTES`, `JOURNEY_MAX_HEADER_BYTES`,
    /// `JOURNEY_REQUEST_TIMEOUT`, `JOURNEY_IDLE_TIMEOUT`, `JOURNEY_MAX_CONNECTIONS`,
    /// `JOURNEY_READY_LAG`, `JOURNEY_POLL_MS`, `JOURNEY_PROJECTION_CHUNK_EVENTS`, `JOURNEY_REBUILD_SAVE_SECONDS`, `JOURNEY_COALESCE_MS`,
    /// `JOURNEY_LOG_LEVEL`, `JOURNEY_MASTER_KEY_FILE`, `JOURNEY_MASTER_KEY`, `JOURNEY_UNENCRYPTED`,
    /// `JOURNEY_MAPPING_FILE`.
    public mutating func apply(environment env: [String: String]) throws(ConfigurationError) {
        func int(_ key: String) throws(ConfigurationError) -> Int? {
            guard let v = env[key] else { return nil }
            guard let n = Int(v) else { throw ConfigurationError("\(key) must be a whole number, got \(v)") }
            return n
        }
        func double(_ key: String) throws(ConfigurationError) -> Double? {
            guard let v = env[key] else { return nil }
            guard let n = Double(v) else { throw ConfigurationError("\(key) must be a number, got \(v)") }
            return n
        }
        if let v = env["JOURNEY_HOST"] { host = v }
        if let v = try int("JOURNEY_PORT") { port = v }
        if let v = env["JOURNEY_DATA"] { dataDirectory = v }
        if let v = env["JOURNEY_LOG"] { log = v.isEmpty ? nil : v }
        if let v = env["JOURNEY_SYNC_REPLICA"] { syncReplica = EnvironmentFlag.isOn(v) }
        if let v = env["JOURNEY_TOKENS"], !v.isEmpty {
            var parsed: [APIToken] = []
            for entry in v.split(separator: ",") { parsed.append(try APIToken(parsing: String(entry))) }
            tokens = parsed
        }
        if let v = env["JOURNEY_TOKENS_FILE"], !v.isEmpty { tokens = try Self.tokens(file: v) }
        if let v = env["JOURNEY_INSECURE_PUBLIC"] { insecurePublic = EnvironmentFlag.isOn(v) }
        if let v = try int("JOURNEY_MAX_BODY_BYTES") { maxBodyBytes = v }
        if let v = try int("JOURNEY_MAX_EVENT_BYTES") { maxEventBytes = v }
        if let v = try int("JOURNEY_MAX_HEADER_BYTES") { maxHeaderBytes = v }
        if let v = try double("JOURNEY_REQUEST_TIMEOUT") { requestTimeoutSeconds = v }
        if let v = try double("JOURNEY_IDLE_TIMEOUT") { idleTimeoutSeconds = v }
        if let v = try int("JOURNEY_MAX_CONNECTIONS") { maxConnections = v }
        if let v = try int("JOURNEY_READY_LAG") { readyLagThreshold = UInt64(max(0, v)) }
        if let v = try int("JOURNEY_POLL_MS") { pollIntervalMilliseconds = v }
        if let v = try int("JOURNEY_PROJECTION_CHUNK_EVENTS") { projectionChunkEvents = v }
        if let v = try int("JOURNEY_REBUILD_SAVE_SECONDS") { rebuildSaveSeconds = v }
        if let v = try int("JOURNEY_COALESCE_MS") { coalesceMilliseconds = v }
        if let v = env["JOURNEY_LOG_LEVEL"] { logLevel = v }
        if let v = env["JOURNEY_MASTER_KEY_FILE"], !v.isEmpty { masterKeyFile = v; masterKeyText = nil }
        if let v = env["JOURNEY_MASTER_KEY"], !v.isEmpty, env["JOURNEY_MASTER_KEY_FILE"]?.isEmpty ?? true { masterKeyText = v; masterKeyFile = nil }
        if let v = env["JOURNEY_UNENCRYPTED"] { unencrypted = EnvironmentFlag.isOn(v) }
        if let v = env["JOURNEY_MAPPING_FILE"], !v.isEmpty { try loadMapping(v) }
    }

    /// Reads a tokens file: one `name:scope:secret` per line; blank lines and lines starting
    /// with `#` are skipped. A file that any user can read or change is refused (the secrets
    /// would be theirs), as is an empty one.
    public static func tokens(file path: String) throws(ConfigurationError) -> [APIToken] {
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read the tokens file \(path)")
        }
        let mode = Int(info.st_mode) & 0o777
        if mode & 0o006 != 0 {
            throw ConfigurationError("the tokens file \(path) can be \(mode & 0o004 != 0 ? "read" : "changed") by any user (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        var out: [APIToken] = []
        for (n, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do throws(ConfigurationError) {
                out.append(try APIToken(parsing: line))
            } catch {
                throw ConfigurationError("\(path) line \(n + 1): \(error.message)")
            }
        }
        guard !out.isEmpty else { throw ConfigurationError("the tokens file \(path) holds no token (expected lines of name:scope:secret)") }
        return out
    }
}
