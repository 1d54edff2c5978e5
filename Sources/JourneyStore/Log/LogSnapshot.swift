import JourneyJSON

/// One consistent view of the log (see ``EventLog/snapshot(_:)``). Records it hands out are
/// valid while the snapshot is.
public protocol LogSnapshot {
    /// The head position in this snapshot.
    func headPosition() throws -> UInt64
    /// The record at `position`, or `nil`.
    func record(at position: UInt64) throws -> RecordView?
    /// Calls `body` for each record from `position` on, in log order, until it returns `false`.
    func forEachRecord(from position: UInt64, _ body: (UInt64, RecordView) throws -> Bool) throws
    /// Calls `body` for each record of the stream with key `key` (``StreamID/key``) with
    /// position ≤ `upTo`, in stream order; returns how many there were (0 for an unknown stream).
    @discardableResult
    func forEachStreamRecord(key: [UInt8], upTo: UInt64, _ body: (UInt64, RecordView) throws -> Void) throws -> Int
    /// Whether the log knows the id: it has a stream, or it is linked to one now (a visitor
    /// whose events all named their customer too).
    func hasStream(_ stream: StreamID) throws -> Bool
    /// The streams linked directly to the stream with key `key` now, each with the position of
    /// the record that linked them (the log's current identity links).
    func links(of key: [UInt8]) throws -> [(key: [UInt8], position: UInt64)]
    /// A sealed record's opened `properties` (a record in clear: its own); `nil` once the
    /// customer was erased. Throws `corrupt_store` when they do not open.
    func openProperties(of r: RecordView) throws -> [UInt8]?
    /// Runs `body` with a readable view of `r`: sealed properties opened, or, for an erased
    /// customer, removed and the view marked redacted.
    func withReadable<R>(_ r: RecordView, _ body: (RecordView) throws -> R) throws -> R
    /// When and where the stream was erased, if it was.
    func erasure(of stream: StreamID) throws -> (position: UInt64, erasedAt: Timestamp)?
    /// Erased customers: customer key (``CustomerKey``) → position of the erasure record.
    func erasedCustomers() throws -> [[UInt8]: UInt64]
    /// How many customers were erased.
    func erasureCount() throws -> Int
}

extension LogSnapshot {
    /// ``erasure(of:)`` of a customer's stream.
    public func erasure(of customerId: String) throws -> (position: UInt64, erasedAt: Timestamp)? {
        try erasure(of: StreamID.customer(customerId))
    }

    /// ``forEachStreamRecord(key:upTo:_:)`` for a customer's stream.
    @discardableResult
    public func forEachStreamRecord(customerId: String, upTo: UInt64, _ body: (UInt64, RecordView) throws -> Void) throws -> Int {
        try forEachStreamRecord(key: CustomerKey.of(customerId), upTo: upTo, body)
    }
}
