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
    static let wrappedSize = 1 + 12 + 32 + 16
    static let sealOverhead = 12 + 16

    private let wrapping: SymmetricKey
    private let state = Mutex(State())

    private struct State {
        /// Keys known to be stored in `customer-keys`, by customer key.
        var keys: [ByteKey: SealingKey] = [:]
        /// Keys made by this process that no commit has stored yet: every request for the
        /// customer is sealed with the same one until a commit stores a key (this one, or
        /// another process's, which then replaces it).
        var pending: [ByteKey: SealingKey] = [:]
        /// Customers known to be erased.
        var erased: Set<ByteKey> = []
        var erasures: Int = -1
    }

    init(master: MasterKey) {
        wrapping = master.derive("customer-keys/v1")
    }

    // MARK: Wrapping

    func wrap(_ key: SymmetricKey, customer: [UInt8]) -> [UInt8] {
        let box = try! AES.GCM.seal(key.withUnsafeBytes { Array($0) }, using: wrapping, nonce: RandomPool.shared.nonce(), authenticating: customer)
        var out: [UInt8] = [Self.live]
        out.reserveCapacity(Self.wrappedSize)
        out.append(contentsOf: box.nonce)
        out.append(contentsOf: box.ciphertext)
        out.append(contentsOf: box.tag)
        return out
    }

    func unwrap(_ value: UnsafeRawBufferPointer, customer: [UInt8]) throws(StoreError) -> SymmetricKey {
        guard value.count == Self.wrappedSize, value[0] == Self.live else {
            throw StoreError(.corrupt, "the data key of customer \(String(decoding: customer, as: UTF8.self)) has \(value.count) bytes; expected \(Self.wrappedSize)")
        }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: UnsafeRawBufferPointer(rebasing: value[1..<13])),
                ciphertext: UnsafeRawBufferPointer(rebasing: value[13..<45]), tag: UnsafeRawBufferPointer(rebasing: value[45..<61]))
            return SymmetricKey(data: try AES.GCM.open(box, using: wrapping, authenticating: customer))
        } catch {
            throw StoreError(.corrupt, "the data key of customer \(String(decoding: customer, as: UTF8.self)) does not open under this master key")
        }
    }

    static func tombstone(position: UInt64, erasedAt: Timestamp) -> [UInt8] {
        var out: [UInt8] = [Self.erased]
        withUnsafeBytes(of: position.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: erasedAt.milliseconds.bigEndian) { out.append(contentsOf: $0) }
        return out
    }

    // MARK: Payloads

    /// `nonce ‖ ciphertext ‖ tag` of `plaintext` under `key`, bound to the customer.
    static func seal(_ plaintext: [UInt8], key: SymmetricKey, customer: [UInt8]) -> [UInt8] {
        // `combined` is exactly `nonce ‖ ciphertext ‖ tag`.
        let box = try! AES.GCM.seal(plaintext, using: key, nonce: RandomPool.shared.nonce(), authenticating: customer)
        return Array(box.combined!)
    }

    /// The plaintext of a sealed payload, or `nil` when it does not open (wrong key, damage).
    static func open(_ sealed: UnsafeRawBufferPointer, key: SymmetricKey, customer: UnsafeRawBufferPointer) -> [UInt8]? {
        guard sealed.count >= sealOverhead, let box = try? AES.GCM.SealedBox(combined: sealed) else { return nil }
        return try? Array(AES.GCM.open(box, using: key, authenticating: customer))
    }

    // MARK: Looking keys up

    /// What the store holds for a customer.
    enum Lookup {
        case key(SealingKey)
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
        let key = SealingKey(key: try unwrap(value, customer: customer), wrapped: Array(value))
        state.withLock { s in
            if s.keys.count >= 1_000_000 { s.keys.removeAll() }
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
            guard let plain = c.withUnsafeBytes({ Self.open(sealed, key: k.key, customer: $0) }) else {
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
    func sealingKeys(for customers: [[UInt8]], layout: StoreLayout, env: Environment) throws(StoreError) -> [SealingKey?] {
        var out = [SealingKey?](repeating: nil, count: customers.count)
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
                            let k = RandomPool.shared.key()
                            let p = SealingKey(key: k, wrapped: wrap(k, customer: c))
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
    func stored(_ customers: [([UInt8], SealingKey)]) {
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

/// A customer's data key with its wrapped form (the `customer-keys` value that stores it).
/// The wrapped bytes identify the key: two processes that make a key for the same new
/// customer make different ones, and the writer tells them apart by these bytes.
struct SealingKey: Sendable {
    let key: SymmetricKey
    let wrapped: [UInt8]
}
