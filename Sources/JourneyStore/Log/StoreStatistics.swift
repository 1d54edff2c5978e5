/// Size and shape of a store (`journeyctl stats`).
public struct StoreStatistics: Sendable, Equatable, Codable {
    /// Events in the log.
    public var events: UInt64
    /// Distinct customers (streams).
    public var customers: Int
    /// The last position.
    public var headPosition: UInt64
    /// Bytes of the log's `data.mdb` on disk.
    public var fileBytes: Int
    /// Bytes of the views' `views/data.mdb` on disk (0 before the views were first opened).
    public var viewsFileBytes: Int = 0
    /// Bytes of the map in use and reserved.
    public var mapUsedBytes: Int
    public var mapSizeBytes: Int
    /// Bytes of pages per database of the log (events, streams, event ids, customers, keys, erasures).
    public var databaseBytes: [String: Int]
    /// The store format (2).
    public var format: Int
    /// Whether properties are sealed under per-customer keys (the store has a master key).
    public var encrypted: Bool
    /// Customers erased.
    public var erasures: Int
}
