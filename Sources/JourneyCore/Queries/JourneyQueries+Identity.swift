import JourneyStore
import LMDBKit

/// Finding a journey by any of its ids.
extension JourneyQueries {
    /// A journey found by one of its ids: its view value, its ids, its streams.
    struct Found {
        var raw: UnsafeRawBufferPointer
        var identities: [IdentityOutput]
        /// The streams of the journey (the id's own first).
        var streams: [StreamID]
    }

    /// The journey `id` belongs to in the journey-history slot `slot`: the customer's by that
    /// id, else the anonymous visitor's (customer ids win where both exist), then its canonical.
    func locate(_ id: String, slot: Int, txn: Transaction) throws -> Found? {
        let view = viewStore.dbs.view(.journeyHistory, "view", slot: slot)
        let identity = IdentityViews(viewStore.dbs, slot: slot)
        for stream in [StreamID.customer(id), .anonymous(id)] {
            let canonical = try identity.canonical(of: stream.key, txn)
            guard let raw = try txn.get(view, key: canonical) else { continue }
            guard let members = try identity.members(of: canonical, txn) else {
                return Found(raw: raw, identities: [Self.output(stream)], streams: [stream])
            }
            let streams = members.map { m in m.key.first == CustomerKey.anonymousPrefix ? StreamID.anonymous(m.id) : .customer(m.id) }
            return Found(raw: raw, identities: streams.map(Self.output), streams: [stream] + streams.filter { $0 != stream })
        }
        return nil
    }

    static func output(_ s: StreamID) -> IdentityOutput {
        IdentityOutput(id: s.id, kind: s.isAnonymous ? "anonymous" : "customer")
    }
}
