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
    /// Stream → its number and current version.
    var customers: [StreamID: CustomerState] = [:]
    var nextCustomer: UInt64?
    /// Encrypted stores: a data key whose ``DataKey/confirmed`` equals this number is the key
    /// `customer-keys` holds for its customer, as of ``head`` (this writer stored it or read it
    /// there). Moving on to a new number forgets every such confirmation at once.
    private(set) var keysGeneration: UInt64 = 1

    struct CustomerState {
        var number: UInt64
        var version: UInt64
    }

    static let maxEntries = 2_000_000

    /// Called at the start of a write transaction with the log's current head.
    mutating func begin(head current: UInt64) {
        if dirty || head != current || customers.count > Self.maxEntries {
            customers.removeAll(keepingCapacity: true)
            keysGeneration += 1
            nextCustomer = nil
        }
        if customers.capacity < 1 << 16 { customers.reserveCapacity(1 << 16) }
        dirty = true
    }

    mutating func committed(head: UInt64) {
        self.head = head
        dirty = false
    }

    /// Forgets which keys are confirmed (an erasure replaced some with tombstones).
    mutating func forgetKeys() {
        keysGeneration += 1
    }

    mutating func invalidate() {
        head = nil
        dirty = true
    }
}
