public import Dispatch

/// Where an ingest's batches go (``NDJSONIngester``): the log itself, or a server that takes
/// NDJSON appends (the remote client). Either way each batch is one atomic append, and its
/// ticket says what happened to it, with the index of a bad event when one failed it.
public protocol BatchAppender: Sendable {
    /// The limits lines must respect (the server's, for a remote ingest).
    var limits: EventLimits { get }
    /// Queues one batch (see ``EventLog/submit(_:preparingOn:)``). Batches commit in the
    /// order they were queued.
    func submit(_ work: LogWork, preparingOn queue: DispatchQueue?) -> AppendTicket
    /// The most bytes of NDJSON one batch may hold (a server's body limit); `nil`: no limit.
    var maxBatchBytes: Int? { get }
    /// The log's head position now.
    func currentHead() async throws(StoreError) -> UInt64
}

extension EventLog {
    public var maxBatchBytes: Int? { nil }
    public func currentHead() async throws(StoreError) -> UInt64 { try headPosition() }
}

/// The limits a server applies to what it is sent (`GET /v1/limits`).
public struct RequestLimits: Sendable, Equatable, Codable {
    /// Largest event, in bytes of JSON.
    public var maxEventBytes: Int
    /// Largest request body, in bytes.
    public var maxBodyBytes: Int

    public init(maxEventBytes: Int, maxBodyBytes: Int) {
        self.maxEventBytes = maxEventBytes
        self.maxBodyBytes = maxBodyBytes
    }
}
