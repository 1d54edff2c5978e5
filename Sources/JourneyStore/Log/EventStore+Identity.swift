import JourneyJSON
import LMDBKit

/// One id linked into a customer's identity, and the record that linked it.
public struct LinkedIdentity: Sendable, Equatable, Codable {
    /// The linked id.
    public var id: String
    /// `customer` or `anonymous`.
    public var kind: String
    /// The id it is linked to directly through that record (`nil` for the id asked about).
    public var linkedTo: String?
    /// The record that linked it: its position, event id, type (the event's, or
    /// `identity_merged`), when it was recorded, and for a merge who asked and why.
    public var position: UInt64?
    public var eventId: String?
    public var type: String?
    public var recordedAt: String?
    public var by: String?
    public var reason: String?

    public init(id: String, kind: String) {
        self.id = id
        self.kind = kind
    }
}

extension EventStore {
    func identityRequest(from: StreamID, into: StreamID, unmerge: Bool, by actor: String, reason: String?) throws(StoreError) -> IdentityRequest {
        for s in [from, into] {
            try NewEvent(customerId: s.isAnonymous ? nil : s.id, anonymousId: s.isAnonymous ? s.id : nil, type: "x").validate(limits: configuration.limits)
        }
        guard !actor.isEmpty else { throw StoreError(.invalidArgument, "an identity change needs to say who asked for it") }
        if let reason, reason.count > 1000 { throw StoreError(.invalidArgument, "reason: at most 1000 characters, got \(reason.count)") }
        var out: [UInt8] = [0x7B]
        out.append(contentsOf: #""by":"#.utf8)
        JSONWriter.appendString(actor, to: &out)
        for (name, s) in [("from", from), ("into", into)] {
            out.append(contentsOf: ",\"\(name)\":".utf8)
            JSONWriter.appendString(s.id, to: &out)
            out.append(contentsOf: ",\"\(name)Kind\":".utf8)
            JSONWriter.appendString(s.isAnonymous ? "anonymous" : "customer", to: &out)
        }
        if let reason {
            out.append(contentsOf: #","reason":"#.utf8)
            JSONWriter.appendString(reason, to: &out)
        }
        out.append(0x7D)
        return IdentityRequest(from: from, into: into, unmerge: unmerge, properties: JSONObjectText(trustedCompact: out))
    }

    /// The ids linked to `stream` now (it first), each with the record that linked it: the
    /// identity as the log holds it (links by events that name both ids, and merges, minus
    /// unmerges). Empty for an unknown stream.
    public func identities(of stream: StreamID) throws(StoreError) -> [LinkedIdentity] {
        try read { txn in
            guard try hasStream(stream, in: txn) else { return [] }
            let index = LinkIndex(db: layout.links, txn: txn)
            var out = [LinkedIdentity(id: stream.id, kind: stream.isAnonymous ? "anonymous" : "customer")]
            var seen: Set<[UInt8]> = [stream.key]
            var queue: [([UInt8], String)] = [(stream.key, stream.id)]
            var i = 0
            while i < queue.count {
                let (key, name) = queue[i]
                i += 1
                for edge in try index.edges(of: key).sorted(by: { $0.position < $1.position }) where seen.insert(edge.other).inserted {
                    guard let raw = try txn.get(layout.events, key: edge.position), let r = RecordView(raw) else {
                        throw StoreError(.corrupt, "an identity link points at position \(edge.position), which does not decode")
                    }
                    let other = Self.id(of: edge.other, record: r)
                    var linked = LinkedIdentity(id: other, kind: edge.other.first == CustomerKey.anonymousPrefix ? "anonymous" : "customer")
                    linked.linkedTo = name
                    linked.position = edge.position
                    linked.eventId = r.id
                    linked.type = r.type
                    linked.recordedAt = r.recordedAt.rfc3339
                    if r.kind == .merge, let p = r.propertiesBytes, case .object(let o)? = JSONValue.parse(p) {
                        if case .string(let b)? = o["by"] { linked.by = b }
                        if case .string(let why)? = o["reason"] { linked.reason = why }
                    }
                    out.append(linked)
                    queue.append((edge.other, other))
                }
            }
            return out
        }
    }

    /// The id behind a stream key, read from the record that linked it (a key may be a hash).
    static func id(of key: [UInt8], record r: RecordView) -> String {
        if r.kind == .merge || r.kind == .unmerge, let p = r.propertiesBytes, case .object(let o)? = JSONValue.parse(p) {
            for name in ["from", "into"] {
                if case .string(let id)? = o[name], case .string(let kind)? = o[name + "Kind"] {
                    let s: StreamID = kind == "anonymous" ? .anonymous(id) : .customer(id)
                    if s.key == key { return id }
                }
            }
        }
        if key.first == CustomerKey.anonymousPrefix { return r.anonymousId ?? "" }
        return r.customerId
    }
}
