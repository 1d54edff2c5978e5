import Synchronization

/// The changes a write transaction makes, in order, as they are made: for shipping them to
/// another copy of the same environment, which applying them in the same order makes equal
/// (a log's replicas, see the store's upstream log).
///
/// Attach one with ``Environment/write(recording:_:)``; only changes made while ``isOn`` is set
/// and to databases not in ``ignored`` are kept. Used by one writer thread at a time.
public final class WriteRecorder: @unchecked Sendable {
    // Safe to share: only the thread running the write transaction it is attached to touches
    // it, and the transaction is thread-bound (LMDB's rule), so there is never a second thread.

    /// One change.
    public enum Change: Equatable, Sendable {
        /// `key` now holds `value` (in a sorted-duplicates database: `value` was added).
        case put(database: String, key: [UInt8], value: [UInt8])
        /// `key` and all its values were removed.
        case delete(database: String, key: [UInt8])
        /// One value of `key` in a sorted-duplicates database was removed.
        case deleteValue(database: String, key: [UInt8], value: [UInt8])
    }

    /// Databases whose changes are not kept (names).
    public let ignored: Set<String>
    /// Whether changes are kept now.
    public var isOn = false
    /// The changes kept so far.
    public private(set) var changes: [Change] = []

    public init(ignoring ignored: Set<String> = []) {
        self.ignored = ignored
    }

    /// Returns the changes kept so far and forgets them.
    public func take() -> [Change] {
        defer { changes.removeAll(keepingCapacity: true) }
        return changes
    }

    @inline(__always)
    func wants(_ db: String) -> Bool { isOn && !ignored.contains(db) }

    func put(_ db: String, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        changes.append(.put(database: db, key: Array(key), value: Array(value)))
    }

    func delete(_ db: String, _ key: UnsafeRawBufferPointer) {
        changes.append(.delete(database: db, key: Array(key)))
    }

    func deleteValue(_ db: String, _ key: [UInt8], _ value: [UInt8]) {
        changes.append(.deleteValue(database: db, key: key, value: value))
    }
}
