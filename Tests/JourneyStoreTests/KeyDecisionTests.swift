import Foundation
@testable import JourneyStore
import JourneyTestSupport
import Testing

/// Each new customer's data key is decided inside the write transaction that uses it, and
/// `verify` proves that every sealed record opens under the key the store kept.
@Suite struct KeyDecisionTests {
    let key = MasterKey.generate()

    func encrypted(_ c: inout StoreConfiguration) { c.masterKey = key }

    /// Writes a fresh wrapped key for `customer` straight into `customer-keys`, as another
    /// process that made its own key for the same new customer and committed first would.
    static func storeForeignKey(_ store: EventStore, customer: String) throws {
        let c = StoreLayout.customerKey(customer)
        let wrapped = store.keys!.wrap(RandomPool.shared.key(), customer: c)
        try store.environment.write { txn in try txn.put(store.layout.customerKeys, key: c, value: wrapped) }
    }

    /// The interleaving of the defect, made deterministic: this process proposes a key for a
    /// new customer, another stores a different one first; every later append of this process
    /// must seal with the stored key (the old writer kept sealing with its own, never stored).
    @Test func aKeyStoredFirstElsewhereIsTheOneEveryLaterAppendUses() async throws {
        let f = try StoreFixture(encrypted)
        _ = try f.store.prepare([event("new-1", properties: #"{"n":0}"#)], expectations: [:])  // proposes a key
        try Self.storeForeignKey(f.store, customer: "new-1")
        for i in 1...5 {
            _ = try await f.store.append(event("new-1", id: "e\(i)", properties: #"{"n":\#(i)}"#))
        }
        let report = try f.store.verify()
        #expect(report.isValid && report.sealsOpened == 5 && report.unreadableCount == 0, "\(report)")
        let again = try f.reopen(encrypted)
        defer { again.close() }
        #expect(try again.readStream("new-1").map { $0.properties?.description } == (1...5).map { #"{"n":\#($0)}"# })
    }

    /// The same within one group commit: several requests for one new customer, queued together.
    @Test func concurrentAppendsForANewCustomerShareOneKey() async throws {
        let f = try StoreFixture(encrypted)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<64 {
                group.addTask { _ = try await f.store.append(event("c\(i % 4)", id: "x\(i)", properties: #"{"i":\#(i)}"#)) }
            }
            try await group.waitForAll()
        }
        let again = try f.reopen(encrypted)
        defer { again.close() }
        let report = try again.verify()
        #expect(report.isValid && report.sealsOpened == 64, "\(report)")
    }

    /// A record sealed under a key the store does not hold: the chain is fine, so only opening
    /// the seal can tell. verify lists it (and goes on); --chain-only does not look.
    @Test func verifyListsRecordsThatDoNotOpen() async throws {
        let f = try StoreFixture(encrypted)
        _ = try await f.store.append([event("ok", properties: #"{"a":1}"#), event("lost", id: "l1", properties: #"{"a":2}"#),
                                      event("lost", id: "l2", properties: #"{"a":3}"#), event("lost", id: "plain")])
        try Self.storeForeignKey(f.store, customer: "lost")
        let store = try f.reopen(encrypted)
        defer { store.close() }
        let report = try store.verify()
        #expect(!report.isValid && report.firstBadPosition == nil)
        #expect(report.sealsChecked && report.sealsOpened == 1 && report.unreadableCount == 2)
        #expect(report.unreadable.map(\.position) == [2, 3])
        #expect(report.unreadable.map(\.eventId) == ["l1", "l2"])
        #expect(report.unreadable.allSatisfy { $0.customerId == "lost" && $0.problem.contains("do not open") })
        let chainOnly = try store.verify(sealed: false)
        #expect(chainOnly.isValid && !chainOnly.sealsChecked)
    }

    /// An erased customer's records are a documented erasure, not damage.
    @Test func erasedCustomersSealsAreCountedNotFailed() async throws {
        let f = try StoreFixture(encrypted)
        _ = try await f.store.append([event("gone", properties: #"{"a":1}"#), event("kept", properties: #"{"a":2}"#)])
        _ = try await f.store.erase("gone", by: "test", reason: "test")
        let report = try f.store.verify()
        #expect(report.isValid && report.sealsOpened == 1 && report.erasedSealed == 1, "\(report)")
    }
}
