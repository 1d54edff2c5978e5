/// How the journey engine works its chunks: built once at the entry point (flags, environment,
/// configuration file) and fixed for the engine's life.
public struct EngineConfiguration: Sendable, Equatable {
    /// Most events one live chunk applies in one write transaction (default 20,000).
    public var liveChunkEvents: Int = 20_000
    /// Longest a live chunk keeps LMDB's write lock before committing (default 250 ms).
    public var liveChunkTime: Duration = .milliseconds(250)
    /// Most events one rebuild chunk applies (default 250,000: larger chunks rewrite each
    /// customer's views fewer times).
    public var rebuildChunkEvents: Int = 250_000
    /// Longest a rebuild chunk keeps LMDB's write lock (default 1 s).
    public var rebuildChunkTime: Duration = .seconds(1)
    /// Most customers' states kept in memory between chunks (default 1,000,000).
    public var cachedCustomers: Int = 1_000_000

    public init() {}

    /// The defaults with `JOURNEY_PROJECTION_CHUNK_EVENTS` (live chunk size) and
    /// `JOURNEY_REBUILD_CHUNK_EVENTS` applied; a value that is not a positive whole number is
    /// refused with the variable named.
    public init(environment: [String: String]) throws(ConfigurationValueError) {
        self.init()
        if let v = try Self.positive(environment, "JOURNEY_PROJECTION_CHUNK_EVENTS") { liveChunkEvents = v }
        if let v = try Self.positive(environment, "JOURNEY_REBUILD_CHUNK_EVENTS") { rebuildChunkEvents = v }
    }

    private static func positive(_ env: [String: String], _ key: String) throws(ConfigurationValueError) -> Int? {
        guard let text = env[key], !text.isEmpty else { return nil }
        guard let n = Int(text), n >= 1 else {
            throw ConfigurationValueError(message: "\(key) must be a whole number of at least 1, got \(text)")
        }
        return n
    }
}

/// A configuration value that cannot be used: the message names it and what was expected.
public struct ConfigurationValueError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
