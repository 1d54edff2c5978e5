/// What an ingest did: the counts `journeyctl ingest` prints, as JSON with `--json`.
public struct IngestSummary: Sendable, Equatable, Codable {
    /// Non-blank lines read.
    public var lines: Int = 0
    /// Events written.
    public var written: Int = 0
    /// Events already in the log (same id and content), not written again.
    public var duplicates: Int = 0
    /// Lines rejected (bad JSON, invalid event, id conflict).
    public var rejected: Int = 0
    /// Wall-clock seconds.
    public var seconds: Double = 0
    /// Written + duplicate events per second.
    public var eventsPerSecond: Double = 0
    /// The log's head after the last commit.
    public var headPosition: UInt64 = 0
    /// With `strict`: the line that stopped the ingest.
    public var stoppedAtLine: Int?
    /// The first rejected lines (up to ``IngestOptions/maxRejectionsListed``).
    public var rejections: [IngestRejection] = []

    public init() {}
}

/// One rejected input line.
public struct IngestRejection: Sendable, Equatable, Codable {
    /// 1-based line number in the input.
    public var line: Int
    /// Stable error code, e.g. `invalid_event`.
    public var code: String
    /// The field at fault, when known.
    public var field: String?
    /// What is wrong.
    public var message: String

    public init(line: Int, error: StoreError) {
        self.line = line
        self.code = error.code.rawValue
        self.field = error.field
        self.message = error.message
    }
}

/// Progress reports from a running ingest.
public enum IngestEvent: Sendable {
    /// A line was rejected (reported as it happens).
    case rejected(IngestRejection)
    /// Counts so far (a few times a second).
    case progress(IngestSummary)
    /// A batch committed: its input lines, what it wrote, and where.
    case committed(firstLine: Int, lastLine: Int, written: Int, duplicates: Int, headPosition: UInt64)
}
