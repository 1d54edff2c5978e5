/// How ``NDJSONIngester`` batches and what it does with bad lines.
public struct IngestOptions: Sendable {
    /// Events per append (atomic: all of a batch or none; default 25,000).
    public var batchSize: Int = 25_000
    /// Batches queued to the writer at once (default 8): while the writer commits, the next
    /// batches are parsed and wait, and the writer merges waiting batches into one commit. Twice
    /// a full commit (``StoreConfiguration/maxEventsPerCommit``, 100,000 events, four batches):
    /// with only four, the parser waits while the writer commits a full group and the next
    /// group is one batch.
    public var batchesInFlight: Int = 8
    /// Stop at the first bad line; nothing of the batch it falls in is written (default `false`:
    /// bad lines are reported and skipped, every good line is written).
    public var strict: Bool = false
    /// Keep each line's `recordedAt` (default `false`): for reloading an export into a new
    /// store, so the events keep their recording times (and time travel by `knownAt` its answers).
    public var keepRecordedAt: Bool = false
    /// How many rejected lines the summary lists (default 1,000; all are counted).
    public var maxRejectionsListed: Int = 1000
    /// Lines in another shape than the store's (``LineMapper``); `nil`: the store's own events.
    public var mapper: (any LineMapper)?

    public init() {}
}
