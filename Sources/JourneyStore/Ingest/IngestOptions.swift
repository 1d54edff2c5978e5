/// How ``NDJSONIngester`` batches and what it does with bad lines.
public struct IngestOptions: Sendable, Equatable {
    /// Events per append (one atomic, durable commit each; default 10,000).
    public var batchSize: Int = 10_000
    /// Stop at the first bad line; nothing of the batch it falls in is written (default `false`:
    /// bad lines are reported and skipped, every good line is written).
    public var strict: Bool = false
    /// How many rejected lines the summary lists (default 1,000; all are counted).
    public var maxRejectionsListed: Int = 1000

    public init() {}
}
