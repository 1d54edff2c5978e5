public import JourneyStore
import LMDBKit

extension JourneyEngine {
    /// Erases a customer (see ``EventLog/erase(_:by:reason:kept:expectedVersion:)``), keeping
    /// in the erasure record the customer's journey under the projections' model without
    /// personal values, so that views rebuilt later still count the customer where they were.
    /// The journey is folded from the stream and the erasure made only if no event arrived
    /// meanwhile (else folded again). Blocking: from async code, run it off the concurrency
    /// pool. Erasing twice returns the first erasure.
    public func erase(_ customerId: String, by actor: String, reason: String? = nil) throws(StoreError) -> ErasureRecord {
        for _ in 0..<10 {
            let (kept, version) = try keptJourney(customerId)
            do {
                return try log.eraseBlocking(customerId, by: actor, reason: reason, kept: kept, expectedVersion: kept == nil ? nil : version)
            } catch where error.code == .wrongExpectedVersion {
                continue  // an event arrived meanwhile: fold again
            }
        }
        throw StoreError(.storage, "customer \(customerId) keeps receiving events; stop the producers and erase again")
    }

    /// The kept journey text and the stream version it was folded from; `nil` text for a
    /// customer already erased. Throws `not_found` for an unknown customer.
    func keptJourney(_ customerId: String) throws(StoreError) -> (String?, UInt64) {
        try views.withLiveViews { _, log, views in
            if try log.erasure(of: customerId) != nil { return (nil, 0) }
            let (_, model) = try views(.journeyHistory)
            let opener = PropertiesOpener(log: log)
            var events: [ClassifiedEvent] = []
            var version: UInt64 = 0
            // The whole journey: the customer's stream and every stream linked to it now.
            let own = StreamID.customer(customerId).key
            var component = [own]
            var seen: Set<[UInt8]> = [own]
            var i = 0
            while i < component.count {
                for link in try log.links(of: component[i]) where seen.insert(link.key).inserted { component.append(link.key) }
                i += 1
            }
            for key in component {
                try log.forEachStreamRecord(key: key, upTo: .max) { p, r in
                    if key == own { version = r.version }
                    if r.kind == .event { events.append(try model.classify(r, position: p, opener: opener)) }
                }
            }
            guard version > 0 else { throw StoreError(.notFound, "customer \(customerId) is not known to this store; nothing was erased") }
            let journey = CustomerJourney.fold(customerId: customerId, events, model: model)
            return (KeptJourney.encode(journey, modelVersion: model.model.version), version)
        }
    }
}
