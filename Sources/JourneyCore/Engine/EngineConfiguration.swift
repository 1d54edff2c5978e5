/// How the journey engine works its chunks: built once at the entry point (flags, environment,
/// configuration file) and fixed for the engine's life.
public struct EngineConfiguration: Sendable, Equatable {
    /// Most events one live chunk applies in one write transaction (default 100,000). The views
    /// have their own writer lock, so a long chunk holds up no append; a larger chunk writes each
    /// customer's views once for more of their events (with 20,000 the worker fell 7 s behind an
    /// ingest at full speed, with 100,000 about 1 s).
    public var liveChunkEvents: Int = 100_000
    /// Longest a live chunk keeps LMDB's write lock before committing (default 250 ms).
    public var liveChunkTime: Duration = .milliseconds(250)
    /// Most events one rebuild chunk applies (default 250,000: larger chunks rewrite each
    /// customer's views fewer times).
    public var rebuildChunkEvents: Int = 250_000
    /// Longest a rebuild chunk folds before it reports progress (default 1 s).
    public var rebuildChunkTime: Duration = .seconds(1)
    /// How often a rebuild writes what it folded (default 10 s): chunks are folded in read
    /// transactions, in memory, and written together, so each customer's views are written once
    /// per save instead of once per chunk, and the write lock is held only while writing. A
    /// rebuild killed part way resumes from its last save. Zero: every chunk is written in its
    /// own write transaction.
    public var rebuildSaveInterval: Duration = .seconds(10)
    /// Most customers' states kept in memory between chunks (default 1,000,000).
    public var cachedCustomers: Int = 1_000_000
    /// The model new views start under (default `nil`: the built-in default model). Used only
    /// when the views are made; a node of a cluster starts under the model its log shares, so
    /// that it does not build everything twice.
    public var initialModel: JourneyModel?

    public init() {}

    /// The defaults with `JOURNEY_PROJECTION_CHUNK_EVENTS` (live chunk size),
    /// `JOURNEY_REBUILD_CHUNK_EVENTS` and `JOURNEY_REBUILD_SAVE_SECONDS` (0: every chunk) applied;
    /// a value that is not a whole number in range is refused with the variable named.
    public init(environment: [String: String]) throws(ConfigurationValueError) {
        self.init()
        if let v = try Self.whole(environment, "JOURNEY_PROJECTION_CHUNK_EVENTS", atLeast: 1) { liveChunkEvents = v }
        if let v = try Self.whole(environment, "JOURNEY_REBUILD_CHUNK_EVENTS", atLeast: 1) { rebuildChunkEvents = v }
        if let v = try Self.whole(environment, "JOURNEY_REBUILD_SAVE_SECONDS", atLeast: 0) { rebuildSaveInterval = .seconds(v) }
    }

    private static func whole(_ env: [String: String], _ key: String, atLeast least: Int) throws(ConfigurationValueError) -> Int? {
        guard let text = env[key], !text.isEmpty else { return nil }
        guard let n = Int(text), n >= least else {
            throw ConfigurationValueError(message: "\(key) must be a whole number of at least \(least), got \(text)")
        }
        return n
    }
}

/// A configuration value that cannot be used: the message names it and what was expected.
public struct ConfigurationValueError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
