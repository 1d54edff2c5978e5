/// What the writer remembers between commits so it need not search the indexes for every
/// event: customer numbers, stream versions, the next customer number.
///
/// Valid only while no other writer (another process) has appended since our last commit:
/// every transaction starts by comparing the log's head with ``head``; any difference, or a
/// transaction that did not commit, clears it.
struct WriterCache {
    /// The head position after our last commit; `nil` when the cache is not trusted.
    var head: UInt64?
    /// Set while a transaction is running on top of the cache; left set if it did not commit.
    var dirty = false
    var customers: [String: UInt64] = [:]
    var versions: [UInt64: UInt64] = [:]
    var nextCustomer: UInt64?

    static let maxEntries = 2_000_000

    /// Called at the start of a write transaction with the log's current head.
    mutating func begin(head current: UInt64) {
        if dirty || head != current || customers.count > Self.maxEntries || versions.count > Self.maxEntries {
            customers.removeAll(keepingCapacity: true)
            versions.removeAll(keepingCapacity: true)
            nextCustomer = nil
        }
        dirty = true
    }

    mutating func committed(head: UInt64) {
        self.head = head
        dirty = false
    }

    mutating func invalidate() {
        head = nil
        dirty = true
    }
}
