import Crypto
import Foundation
import LMDBKit
import Synchronization

/// Each customer's data key: made with the customer's first event, kept in the
/// `customer-keys` database wrapped (AES-GCM) under a key derived from the ``MasterKey``, and
/// destroyed by erasure, which leaves a tombstone in its place.
///
/// `customer-keys` values: `0x01 ‖ nonce(12) ‖ wrapped key(32) ‖ tag(16)` for a live key,
/// `0x00 ‖ erasure position (UInt64 BE) ‖ erased at (ms, Int64 BE)` once erased. The wrapping
/// authenticates the customer key, so a wrapped key moved to another customer does not open.
///
/// Unwrapped keys are cached in memory. The cache is dropped whenever the number of erasures in
/// the store changes, so an erasure made by another process is honoured at that process's
/// next read.
final class CustomerKeys: Sendable {
    static let live: UInt8 = 1
    static let erased: UInt8 = 0
    static let wrappedSize = 1 + DataKey.overhead + DataKey.keySize
    static let sealOverhead = DataKey.overhead
    /// At most this many keys stay cached (each holds its cipher context: under 1 KiB); past
    /// it the cache starts again from empty.
    static let maxCached = 500_000

    /// The key that wraps data keys (derived from the master key; its `wrapped` is empty).
    private let wrapping: DataKey
    private let state = Mutex(State())

    private struct State {
        /// Keys known to be stored in `customer-keys`, by customer key.
        var keys: [ByteKey: DataKey] = [:]
        /// Keys made by this process that no commit has stored yet: every request for the
        /// customer is sealed with the same one until a commit stores a key (this one, or
        /// another process's, which then replaces it).
        var pending: [ByteKey: DataKey] = [:]
        /// Customers known to be erased.
        var erased: Set<ByteKey> = []
        var erasures: Int = -1
    }

    init(master: MasterKey) {
        wrapping = master.derive("customer-keys/v1").withUnsafeBytes { DataKey(raw: $0, wrapped: []) }
    }

    // MARK: Wrapping

    /// The `customer-keys` value of `key` for `customer`: `0x01 ‖ nonce ‖ wrapped key ‖ tag`.
    func wrap(_ key: SymmetricKey, customer: [UInt8]) -> [UInt8] {
        key.withUnsafeBytes { wrap(raw: $0, customer: customer) }
    }

    private func wrap(raw: UnsafeRawBufferPointer, customer: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.wrappedSize) { out, count in
            out[0] = Self.live
            customer.withUnsafeBytes { c in
                wrapping.seal(raw, customer: c, into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[1..<Self.wrappedSize]))
            }
            count = Self.wrappedSize
        }
    }

    /// A new random data key for `customer`, wrapped.
    func makeKey(customer: [UInt8]) -> DataKey {
        withUnsafeTemporaryAllocation(byteCount: DataKey.keySize, alignment: 8) { raw in
            RandomPool.shared.fill(raw)
            defer { raw.initializeMemory(as: UInt8.self, repeating: 0) }
            return DataKey(raw: UnsafeRawBufferPointer(raw), wrapped: wrap(raw: UnsafeRawBufferPointer(raw), customer: customer))
        }
    }

    func unwrap(_ value: UnsafeRawBufferPointer, customer: [UInt8]) throws(StoreError) -> DataKey {
        guard value.count == Self.wrappedSize, value[0] == Self.live else {
            throw StoreError(.corrupt, "the data key of customer \(String(decoding: customer, as: UTF8.self)) has \(value.count) bytes; expected \(Self.wrappedSize)")
        }
        guard var raw = customer.withUnsafeBytes({ wrapping.open(UnsafeRawBufferPointer(rebasing: value[1...]), customer: $0) }),
              raw.count == DataKey.keySize
        else {
            throw StoreError(.corrupt, "the data key of customer \(String(decoding: customer, as: UTF8.self)) does not open under this master key")
        }
        defer { for i in raw.indices { raw[i] = 0 } }
        return raw.withUnsafeBytes { DataKey(raw: $0, wrapped: Array(value)) }
    }

    static func tombstone(position: UInt64, erasedAt: Timestamp) -> [UInt8] {
        var out: [UInt8] = [Self.erased]
        withUnsafeBytes(of: position.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: erasedAt.milliseconds.bigEndian) { out.append(contentsOf: $0) }
        return out
    }

    // MARK: Looking keys up

    /// What the store holds for a customer.
    enum Lookup {
        case key(DataKey)
        case erased
        case missing
    }

    /// The customer's key for reading, from the cache or `customer-keys` (in `txn`).
    func lookup(_ customer: [UInt8], layout: StoreLayout, in txn: Transaction) throws -> Lookup {
        let erasures = try txn.statistics(layout.erasures).entries
        let k = ByteKey(customer)
        let cached: Lookup? = state.withLock { s in
            if s.erasures != erasures {
                s.keys.removeAll()
                s.erased.removeAll()
                s.erasures = erasures
            }
            if let key = s.keys[k] { return .key(key) }
            if s.erased.contains(k) { return .erased }
            return nil
        }
        if let cached { return cached }
        guard let value = try txn.get(layout.customerKeys, key: customer) else { return .missing }
        if value.first == Self.erased {
            state.withLock { _ = $0.erased.insert(k) }
            return .erased
        }
        let key = try unwrap(value, customer: customer)
        state.withLock { s in
            if s.keys.count >= Self.maxCached { s.keys.removeAll() }
            s.keys[k] = key
        }
        return .key(key)
    }

    /// The opened `properties` of a sealed record; `nil` once the customer was erased.
    func openProperties(of r: RecordView, layout: StoreLayout, in txn: Transaction) throws -> [UInt8]? {
        guard let sealed = r.storedPropertiesBytes else { return nil }
        let c = r.streamKey
        switch try lookup(c, layout: layout, in: txn) {
        case .key(let k):
            guard let plain = c.withUnsafeBytes({ k.open(sealed, customer: $0) }) else {
                throw StoreError(.corrupt, "the sealed properties of event \(r.id) of \(r.stream) do not open under the stream's key")
            }
            return plain
        case .erased:
            return nil
        case .missing:
            throw StoreError(.corrupt, "\(r.stream) has sealed events but no data key in this store")
        }
    }

    /// Keys to seal new events with, one per entry of `customers` (customer keys): the stored
    /// key, or (for a customer with none stored yet) this process's pending new key. Either is
    /// only a proposal: the writer compares its wrapped form with what `customer-keys` holds
    /// inside the transaction that writes the events, stores it when the customer still has
    /// none, and seals the events again with the stored key when another process stored a
    /// different one first (``AppendWriter/checkKeys(_:outcomes:in:state:)``). An erased
    /// customer has none (`nil`): the writer refuses their new events (`customer_erased`).
    func sealingKeys(for customers: [[UInt8]], layout: StoreLayout, env: Environment) throws(StoreError) -> [DataKey?] {
        var out = [DataKey?](repeating: nil, count: customers.count)
        var misses: [Int] = []
        state.withLock { s in
            for (i, c) in customers.enumerated() {
                let k = ByteKey(c)
                if let key = s.keys[k] ?? s.pending[k] { out[i] = key } else { misses.append(i) }
            }
        }
        guard !misses.isEmpty else { return out }
        do {
            try env.read { txn in
                for i in misses {
                    let c = customers[i]
                    switch try lookup(c, layout: layout, in: txn) {
                    case .key(let k): out[i] = k
                    case .erased: break  // no key: the writer refuses new events (a retried old one is a duplicate)
                    case .missing:
                        out[i] = state.withLock { s in
                            if let p = s.keys[ByteKey(c)] ?? s.pending[ByteKey(c)] { return p }
                            let p = makeKey(customer: c)
                            s.pending[ByteKey(c)] = p
                            return p
                        }
                    }
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
        return out
    }

    /// After a commit: these are the keys `customer-keys` now holds for these customers (the
    /// ones the commit stored, or the ones another process had stored first). Pending keys of
    /// these customers are dropped: every later request seals with the stored key.
    func stored(_ customers: [([UInt8], DataKey)]) {
        state.withLock { s in
            for (c, k) in customers {
                s.pending[ByteKey(c)] = nil
                s.keys[ByteKey(c)] = k
            }
        }
    }

    /// After a commit erased a customer.
    func erasedNow(_ customer: [UInt8]) {
        state.withLock { s in
            s.keys[ByteKey(customer)] = nil
            s.pending[ByteKey(customer)] = nil
            s.erased.insert(ByteKey(customer))
        }
    }

    static func erasedError(_ customer: [UInt8]) -> StoreError {
        var e = StoreError(.customerErased, "customer \(String(decoding: customer, as: UTF8.self)) was erased; a forgotten customer's stream takes no new events (use a new customer id)")
        e.customerId = String(decoding: customer, as: UTF8.self)
        return e
    }
}
