public import JourneyPipelines
public import JourneyStore

/// Everything `journeyctl serve` needs, with documented defaults. Built at the entry point from
/// flags, then `JOURNEY_…` environment variables, then a JSON configuration file (flags win).
public struct ServerConfiguration: Sendable, Equatable {
    /// Address to listen on (default `127.0.0.1`). Anything but loopback needs a token or
    /// ``insecurePublic``.
    public var host: String = "127.0.0.1"
    /// Port (default 8080; 0 picks a free one).
    public var port: Int = 8080
    /// The data folder (default `./data`).
    public var dataDirectory: String = "./data"
    /// Where the log is (default none: in ``dataDirectory``, embedded LMDB). A
    /// `postgres://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]…]/DATABASE` URL puts it on PostgreSQL:
    /// the data folder then holds this node's replica of the log and its views (a new folder is
    /// built from the log by itself), and the node tails the log (`LISTEN journey_log`, polling
    /// every second as a fallback). Every node of a cluster names the same log.
    public var log: String?
    /// With ``log``: flush every commit of this node's replica to disk (default `false`). The log
    /// on PostgreSQL holds every acknowledged event; unflushed, the replica loses nothing when the
    /// process dies, and after a crash of the machine it is built again from the log when the
    /// server starts (see ``JourneyStore/StoreConfiguration/syncReplica``). `true` keeps the
    /// replica through a power loss at the cost of slower appends.
    public var syncReplica: Bool = false
    /// Bearer tokens. With none, `/v1` routes are open (and only loopback is allowed).
    public var tokens: [APIToken] = []
    /// Listen on a non-loopback address without any token (default `false`).
    public var insecurePublic: Bool = false
    /// Largest request body in bytes (default 8 MiB).
    public var maxBodyBytes: Int = 8 << 20
    /// Largest event in bytes of JSON (default 64 KiB).
    public var maxEventBytes: Int = 64 << 10
    /// Largest request header block in bytes (default 16 KiB).
    public var maxHeaderBytes: Int = 16 << 10
    /// Longest a request may take before it is answered with `timeout` (default 30 s).
    public var requestTimeoutSeconds: Double = 30
    /// Idle keep-alive connections are closed after this many seconds (default 75).
    public var idleTimeoutSeconds: Double = 75
    /// Most open connections; further ones wait to be accepted (default 1024).
    public var maxConnections: Int = 1024
    /// `/readyz` fails when any projection lags more than this many events (default 100,000).
    public var readyLagThreshold: UInt64 = 100_000
    /// How often the projection worker looks for appends made by other processes (default 200 ms).
    public var pollIntervalMilliseconds: Int = 200
    /// How long the projection worker lets new commits gather before applying them (default
    /// 10 ms; 0 applies each commit at once). Views then trail appends by about this much.
    public var coalesceMilliseconds: Int = 10
    /// Most events one projection chunk applies (default 100,000; see ``EngineConfiguration/liveChunkEvents``).
    public var projectionChunkEvents: Int = 100_000
    /// How often a rebuild writes what it folded, in seconds (default 10; 0: every chunk).
    public var rebuildSaveSeconds: Int = 10
    /// Log level: trace, debug, info, notice, warning, error, critical (default `info`).
    public var logLevel: String = "info"
    /// The master key file (default none): 64 hex digits or base64 of 32 bytes, mode 0600,
    /// kept outside the data folder. An encrypted store refuses to open without it.
    public var masterKeyFile: String?
    /// The master key itself (from `JOURNEY_MASTER_KEY`; never from the configuration file).
    public var masterKeyText: String?
    /// Create a new store without encryption (default `false`: a new store needs a master key).
    public var unencrypted: Bool = false
    /// How Segment's messages and CloudEvents become events (default: the documented mapping;
    /// a mapping file, ``mappingFile``, changes it).
    public var mapping = PipelineMapping()
    /// The mapping file it was read from, if any (for logs).
    public var mappingFile: String?

    public init() {}

    /// The master key from ``masterKeyFile`` or ``masterKeyText``, if either is set.
    public func loadMasterKey() throws(StoreError) -> MasterKey? {
        try MasterKey.load(file: masterKeyFile, text: masterKeyText, dataDirectory: dataDirectory)
    }

    /// Whether `host` is a loopback address.
    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    /// Checks the settings; the message names the setting at fault.
    public func validate() throws(ConfigurationError) {
        guard (0...65535).contains(port) else { throw ConfigurationError("port must be 0…65535, got \(port)") }
        guard maxBodyBytes >= 1024 else { throw ConfigurationError("maxBodyBytes must be at least 1024, got \(maxBodyBytes)") }
        guard maxEventBytes >= 256 && maxEventBytes <= maxBodyBytes else {
            throw ConfigurationError("maxEventBytes must be 256…maxBodyBytes (\(maxBodyBytes)), got \(maxEventBytes)")
        }
        guard maxHeaderBytes >= 1024 else { throw ConfigurationError("maxHeaderBytes must be at least 1024, got \(maxHeaderBytes)") }
        guard requestTimeoutSeconds > 0 else { throw ConfigurationError("requestTimeoutSeconds must be positive") }
        guard maxConnections >= 1 else { throw ConfigurationError("maxConnections must be at least 1") }
        guard pollIntervalMilliseconds >= 1 else { throw ConfigurationError("pollIntervalMilliseconds must be at least 1") }
        guard projectionChunkEvents >= 1 else { throw ConfigurationError("projectionChunkEvents must be at least 1") }
        guard (0...86_400).contains(rebuildSaveSeconds) else { throw ConfigurationError("rebuildSaveSeconds must be between 0 and 86400, got \(rebuildSaveSeconds)") }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError("logLevel must be one of trace, debug, info, notice, warning, error, critical, got \(logLevel)")
        }
        var names = Set<String>()
        for t in tokens {
            guard !t.secret.isEmpty else { throw ConfigurationError("token \(t.name) has an empty secret") }
            guard t.secret.count >= 16 else { throw ConfigurationError("token \(t.name) is shorter than 16 characters") }
            guard names.insert(t.name).inserted else { throw ConfigurationError("token name \(t.name) appears twice") }
        }
        if !isLoopback && tokens.isEmpty && !insecurePublic {
            throw ConfigurationError(
                "refusing to listen on \(host) with no token configured: add a token (--token-file, JOURNEY_TOKENS_FILE, config file) or pass --insecure-public")
        }
    }
}

/// A configuration that cannot be used.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A bearer token and what it may do. Scopes are ordered: `admin` includes `write`, which
/// includes `read`.
public struct APIToken: Sendable, Equatable, Codable {
    /// A name for logs and metrics (never the secret).
    public var name: String
    public var secret: String
    public var scope: Scope

    public init(name: String, secret: String, scope: Scope) {
        self.name = name
        self.secret = secret
        self.scope = scope
    }

    /// `read` < `write` < `admin`.
    public enum Scope: String, Sendable, Codable, Comparable, CaseIterable {
        case read, write, admin
        public static func < (a: Scope, b: Scope) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// Parses `name:scope:secret` (the form of `--token` and `JOURNEY_TOKENS` entries).
    public init(parsing text: String) throws(ConfigurationError) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let scope = Scope(rawValue: String(parts[1])), !parts[0].isEmpty else {
            throw ConfigurationError("a token must look like name:scope:secret with scope read, write or admin (got \(parts.count == 3 ? "\(parts[0]):\(parts[1]):…" : "a value without two colons"))")
        }
        self.init(name: String(parts[0]), secret: String(parts[2]), scope: scope)
    }
}
