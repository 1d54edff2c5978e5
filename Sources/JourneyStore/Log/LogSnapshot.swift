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
    /// Calls `body` for each of a customer's records with position ≤ `upTo`, in stream order;
    /// returns how many there were (0 for an unknown customer).
    @discardableResult
    func forEachStreamRecord(customerId: String, upTo: UInt64, _ body: (UInt64, RecordView) throws -> Void) throws -> Int
    /// Whether the log has ever seen the customer.
    func hasCustomer(_ customerId: String) throws -> Bool
    /// A sealed record's opened `properties` (a record in clear: its own); `nil` once the
    /// customer was erased. Throws `corrupt_store` when they do not open.
    func openProperties(of r: RecordView) throws -> [UInt8]?
    /// Runs `body` with a readable view of `r`: sealed properties opened, or, for an erased
    /// customer, removed and the view marked redacted.
    func withReadable<R>(_ r: RecordView, _ body: (RecordView) throws -> R) throws -> R
    /// When and where the customer was erased, if they were.
    func erasure(of customerId: String) throws -> (position: UInt64, erasedAt: Timestamp)?
    /// Erased customers: customer key (``CustomerKey``) → position of the erasure record.
    func erasedCustomers() throws -> [[UInt8]: UInt64]
    /// How many customers were erased.
    func erasureCount() throws -> Int
}
