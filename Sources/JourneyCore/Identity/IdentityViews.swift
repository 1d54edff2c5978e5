import JourneyStore
import LMDBKit

/// The identity graph in a journey-history slot: `identity-edges` (position → edge: the graph
/// itself, replayed on load), `identity` (member key → its canonical key, for members of
/// components of several streams) and `identity-members` (canonical key → its members, key and
/// id each): what queries by any linked id read.
struct IdentityViews {
    let edges: Database
    let canonical: Database
    let members: Database

    init(_ dbs: JourneyDatabases, slot: Int) {
        edges = dbs.view(.journeyHistory, "identity-edges", slot: slot)
        canonical = dbs.view(.journeyHistory, "identity", slot: slot)
        members = dbs.view(.journeyHistory, "identity-members", slot: slot)
    }

    /// The graph stored in the slot (its edges replayed in log order).
    func load(_ txn: Transaction) throws -> IdentityGraph {
        let graph = IdentityGraph()
        try txn.withCursor(edges) { c in
            var entry = try c.first()
            while let e = entry {
                var r = ByteReader(e.value)
                var edge = IdentityGraph.Edge(
                    from: r.blob(), into: r.blob(), fromId: r.string(), intoId: r.string(),
                    position: UInt64(bigEndian: e.key.loadUnaligned(as: UInt64.self)), recordedAt: r.svarint(), merge: r.u8() == 1)
                let removed = r.varint()
                if removed > 0 {
                    edge.removedAt = removed
                    edge.removedAtTime = r.svarint()
                }
                guard !r.failed else { throw StoreError(.corrupt, "an identity edge does not decode; rebuild the projections (journeyctl rebuild)") }
                if edge.removedAt == nil {
                    graph.add(edge)
                } else {
                    graph.add(edge)
                    graph.remove(edge.from, edge.into, position: edge.removedAt!, recordedAt: edge.removedAtTime!)
                }
                entry = try c.next()
            }
        }
        return graph
    }

    /// Writes an edge (new, or marked removed).
    func write(_ edge: IdentityGraph.Edge, _ txn: Transaction) throws {
        var w = ByteWriter(capacity: 64)
        w.blob(edge.from)
        w.blob(edge.into)
        w.string(edge.fromId)
        w.string(edge.intoId)
        w.svarint(edge.recordedAt)
        w.u8(edge.merge ? 1 : 0)
        w.varint(edge.removedAt ?? 0)
        if edge.removedAt != nil { w.svarint(edge.removedAtTime ?? 0) }
        try txn.put(edges, key: withUnsafeBytes(of: edge.position.bigEndian) { Array($0) }, value: w.bytes)
    }

    /// Records a component: its members point at `canonical`, and it lists them (with their ids).
    func writeComponent(canonical key: [UInt8], members: [[UInt8]], ids: (([UInt8]) -> String?), _ txn: Transaction) throws {
        if members.count <= 1 {
            _ = try txn.delete(self.members, key: key)
            _ = try txn.delete(canonical, key: key)
            return
        }
        var w = ByteWriter(capacity: 32 * members.count)
        w.varint(UInt64(members.count))
        for m in members {
            w.blob(m)
            w.string(ids(m) ?? "")
            if m != key { try txn.put(canonical, key: m, value: key) } else { _ = try txn.delete(canonical, key: m) }
        }
        try txn.put(self.members, key: key, value: w.bytes)
    }

    /// Forgets a canonical that no longer names a component (its members were written anew).
    func forget(_ key: [UInt8], _ txn: Transaction) throws {
        _ = try txn.delete(members, key: key)
    }

    /// The canonical key of `key` (itself when it is not a member of a larger component).
    func canonical(of key: [UInt8], _ txn: Transaction) throws -> [UInt8] {
        guard let v = try txn.get(canonical, key: key) else { return key }
        return Array(v)
    }

    /// The members of a component (key and id), itself only when it has none recorded.
    func members(of canonical: [UInt8], _ txn: Transaction) throws -> [(key: [UInt8], id: String)]? {
        guard let v = try txn.get(members, key: canonical) else { return nil }
        var r = ByteReader(v)
        let n = Int(r.varint())
        var out: [(key: [UInt8], id: String)] = []
        for _ in 0..<n { out.append((r.blob(), r.string())) }
        guard !r.failed else { throw StoreError(.corrupt, "an identity's members do not decode; rebuild the projections (journeyctl rebuild)") }
        return out
    }
}
