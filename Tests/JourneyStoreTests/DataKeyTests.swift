import Crypto
import Foundation
@testable import JourneyStore
import Testing

/// The store seals through BoringSSL's AEAD with a context kept per key (``DataKey``) instead of
/// `AES.GCM.seal`, which builds one per call. What it writes must be exactly what
/// `AES.GCM.SealedBox.combined` holds, so records sealed by either open under the other.
@Suite struct DataKeyTests {
    static let customer = Array("cust-0001234".utf8)
    static let properties = Array(#"{"campaign":"newsletter-q1","device":"mobile"}"#.utf8)

    /// A random 32-byte key as raw bytes, a ``DataKey`` and swift-crypto's `SymmetricKey`.
    static func keys() -> ([UInt8], DataKey, SymmetricKey) {
        var raw = [UInt8](repeating: 0, count: 32)
        raw.withUnsafeMutableBytes { RandomPool.shared.fill($0) }
        return (raw, raw.withUnsafeBytes { DataKey(raw: $0, wrapped: []) }, SymmetricKey(data: raw))
    }

    @Test func sealsWhatAESGCMOpensAndOpensWhatItSeals() throws {
        let (_, key, symmetric) = Self.keys()
        let sealed = key.seal(Self.properties, customer: Self.customer)
        #expect(sealed.count == Self.properties.count + DataKey.overhead)
        let opened = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: symmetric, authenticating: Self.customer)
        #expect(Array(opened) == Self.properties)

        let theirs = Array(try AES.GCM.seal(Self.properties, using: symmetric, authenticating: Self.customer).combined!)
        let mine = theirs.withUnsafeBytes { s in Self.customer.withUnsafeBytes { key.open(s, customer: $0) } }
        #expect(mine == Self.properties)
    }

    @Test func refusesAnotherCustomerAnotherKeyDamageAndShortInput() {
        let (_, key, _) = Self.keys()
        let (_, other, _) = Self.keys()
        let sealed = key.seal(Self.properties, customer: Self.customer)
        func open(_ k: DataKey, _ bytes: [UInt8], _ customer: [UInt8]) -> [UInt8]? {
            bytes.withUnsafeBytes { s in customer.withUnsafeBytes { k.open(s, customer: $0) } }
        }
        #expect(open(key, sealed, Self.customer) == Self.properties)
        #expect(open(key, sealed, Array("cust-0001235".utf8)) == nil)
        #expect(open(other, sealed, Self.customer) == nil)
        for i in [0, 12, sealed.count / 2, sealed.count - 1] {
            var damaged = sealed
            damaged[i] ^= 0x01
            #expect(open(key, damaged, Self.customer) == nil, "byte \(i) flipped")
        }
        #expect(open(key, Array(sealed.prefix(DataKey.overhead - 1)), Self.customer) == nil)
        // An empty plaintext seals to nonce and tag alone, and opens.
        let empty = key.seal([], customer: Self.customer)
        #expect(empty.count == DataKey.overhead && open(key, empty, Self.customer) == [])
    }

    @Test func equalPlaintextsSealToDistinctBytes() {
        let (_, key, _) = Self.keys()
        let all = Set((0..<1_000).map { _ in key.seal(Self.properties, customer: Self.customer) })
        #expect(all.count == 1_000)
        #expect(Set(all.map { $0.prefix(12) }).count == 1_000, "every nonce is new")
    }

    /// One key's context serves many threads at once (BoringSSL documents seal and open as
    /// safe to call concurrently on one context).
    @Test func oneKeySealsAndOpensOnManyThreadsAtOnce() async {
        let (_, key, symmetric) = Self.keys()
        let failures = await withTaskGroup(of: Int.self) { group in
            for t in 0..<8 {
                group.addTask {
                    var failed = 0
                    for i in 0..<2_000 {
                        let plain = Array("{\"t\":\(t),\"i\":\(i)}".utf8)
                        let sealed = key.seal(plain, customer: Self.customer)
                        let back = sealed.withUnsafeBytes { s in Self.customer.withUnsafeBytes { key.open(s, customer: $0) } }
                        let viaCrypto = try? AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: symmetric, authenticating: Self.customer)
                        if back != plain || viaCrypto.map(Array.init) != plain { failed += 1 }
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }

    /// A wrapped data key unwraps for its customer only, and the unwrapped key opens what the
    /// original sealed.
    @Test func wrappedKeysUnwrapForTheirCustomerOnly() throws {
        let keys = CustomerKeys(master: MasterKey.generate())
        let made = keys.makeKey(customer: Self.customer)
        #expect(made.wrapped.count == CustomerKeys.wrappedSize && made.wrapped[0] == CustomerKeys.live)
        let sealed = made.seal(Self.properties, customer: Self.customer)
        let back = try made.wrapped.withUnsafeBytes { try keys.unwrap($0, customer: Self.customer) }
        #expect(sealed.withUnsafeBytes { s in Self.customer.withUnsafeBytes { back.open(s, customer: $0) } } == Self.properties)
        #expect(throws: StoreError.self) {
            try made.wrapped.withUnsafeBytes { try keys.unwrap($0, customer: Array("someone-else".utf8)) }
        }
        let otherMaster = CustomerKeys(master: MasterKey.generate())
        #expect(throws: StoreError.self) {
            try made.wrapped.withUnsafeBytes { try otherMaster.unwrap($0, customer: Self.customer) }
        }
    }
}
