import JourneyJSON
import JourneyStore

/// What a record of the log means to the identity graph.
enum IdentityChange {
    /// An edge to add: a link (an event naming a visitor and a customer) or a merge.
    case add(IdentityGraph.Edge)
    /// An unmerge: the edges between the two keys go.
    case remove(from: [UInt8], into: [UInt8])
}

extension IdentityGraph {
    /// The identity meaning of a record, or `nil` (an event of one stream, an erasure).
    /// Throws `corrupt_store` for a merge or unmerge that does not name its two ids.
    static func change(of r: RecordView, position: UInt64) throws(StoreError) -> IdentityChange? {
        switch r.kind {
        case .event:
            guard !r.customerIdBytes.isEmpty, let anonymous = r.anonymousId else { return nil }
            return .add(Edge(
                from: StreamID.anonymous(anonymous).key, into: StreamID.customer(r.customerId).key, fromId: anonymous, intoId: r.customerId,
                position: position, recordedAt: r.recordedAt.milliseconds, merge: false))
        case .merge, .unmerge:
            guard let p = r.propertiesBytes, case .object(let o)? = JSONValue.parse(p),
                  case .string(let from)? = o["from"], case .string(let fromKind)? = o["fromKind"],
                  case .string(let into)? = o["into"], case .string(let intoKind)? = o["intoKind"] else {
                throw StoreError(.corrupt, "the identity record at position \(position) does not name its two ids")
            }
            let a: StreamID = fromKind == "anonymous" ? .anonymous(from) : .customer(from)
            let b: StreamID = intoKind == "anonymous" ? .anonymous(into) : .customer(into)
            if r.kind == .unmerge { return .remove(from: a.key, into: b.key) }
            return .add(Edge(from: a.key, into: b.key, fromId: from, intoId: into, position: position,
                             recordedAt: r.recordedAt.milliseconds, merge: true))
        case .erasure:
            return nil
        }
    }
}
