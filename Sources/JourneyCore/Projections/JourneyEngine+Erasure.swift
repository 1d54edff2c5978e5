public import JourneyStore
import LMDBKit

extension JourneyEngine {
    /// Erases a customer (see ``EventStore/erase(_:by:reason:kept:expectedVersion:)``), keeping
    /// in the erasure record the customer's journey under the projections' model without
    /// personal values, so that views rebuilt later still count the customer where they were.
    /// Blocking (not for the Swift concurrency pool). Erasing twice returns the first erasure.
    public func eraseBlocking(_ customerId: String, by actor: String, reason: String? = nil) throws(StoreError) -> ErasureRecord {
        for _ in 0..<10 {
            let (kept, version) = try keptJourney(customerId)
            guard let kept else { return try store.eraseBlocking(customerId, by: actor, reason: reason) }
            do {
                return try store.eraseBlocking(customerId, by: actor, reason: reason, kept: kept, expectedVersion: version)
            } catch where error.code == .wrongExpectedVersion {
                continue  // an event arrived meanwhile: fold again
            }
        }
        throw StoreError(.storage, "customer \(customerId) keeps receiving events; stop the producers and erase again")
    }

    /// The async form of ``eraseBlocking(_:by:reason:)``.
    public func erase(_ customerId: String, by actor: String, reason: String? = nil) async throws(StoreError) -> ErasureRecord {
        for _ in 0..<10 {
            let (kept, version) = try keptJourney(customerId)
            guard let kept else { return try await store.erase(customerId, by: actor, reason: reason) }
            do {
                return try await store.erase(customerId, by: actor, reason: reason, kept: kept, expectedVersion: version)
            } catch where error.code == .wrongExpectedVersion {
                continue
            }
        }
        throw StoreError(.storage, "customer \(customerId) keeps receiving events; stop the producers and erase again")
    }

    /// The kept journey text and the stream version it was folded from; `nil` text for a
    /// customer already erased. Throws `not_found` for an unknown customer.
    func keptJourney(_ customerId: String) throws(StoreError) -> (String?, UInt64) {
        try withViews { txn, views in
            if try store.erasure(of: customerId, in: txn) != nil { return (nil, 0) }
            let (_, model) = try views(.journeyHistory)
            let opener = PropertiesOpener(store: store, txn: txn)
            var events: [ClassifiedEvent] = []
            var version: UInt64 = 0
            try store.forEachStreamRecord(customerId: customerId, in: txn) { p, r in
                version = r.version
                if !r.isErasure { events.append(try model.classify(r, position: p, opener: opener)) }
            }
            guard version > 0 else { throw StoreError(.notFound, "customer \(customerId) is not known to this store; nothing was erased") }
            let journey = CustomerJourney.fold(customerId: customerId, events, model: model)
            return (KeptJourney.encode(journey, modelVersion: model.model.version), version)
        }
    }
}
