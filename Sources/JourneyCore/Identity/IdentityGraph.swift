import JourneyStore

/// The identity graph as the projections fold it: which streams are one journey, and which
/// stream's id names it (its canonical id). Built from the identity records of the log in log
/// order: links (an event that names a visitor and a customer), merges, and unmerges, which
/// remove the links between two ids.
///
/// A component's canonical follows from its edges alone, replayed in log order: each edge joins
/// the component of its `from` side into the component of its `into` side (for a link, the
/// customer's; for a merge, `into`'s), whose canonical the whole keeps. An unmerge replays the
/// component's remaining edges from scratch, so the graph after it is exactly the graph of a log
/// without the removed links.
final class IdentityGraph {
    /// One edge: `from` joined into `into` by the record at `position`.
    struct Edge: Equatable {
        var from: [UInt8]
        var into: [UInt8]
        var fromId: String
        var intoId: String
        var position: UInt64
        /// When the record was written (ms): what the store knew at a time (`knownAt`).
        var recordedAt: Int64
        var merge: Bool
        /// The unmerge that removed it: its position and recording time.
        var removedAt: UInt64?
        var removedAtTime: Int64?
    }

    /// A change of components: each `refold` component's journey must be folded again from all
    /// its members' events; each `removed` canonical no longer names a journey.
    struct Change {
        var refold: [(canonical: [UInt8], members: [[UInt8]])]
        var removed: [[UInt8]]
    }

    private(set) var edges: [Edge] = []
    private var edgesOf: [[UInt8]: [Int]] = [:]
    /// Member → canonical, for members of components of more than one stream.
    private(set) var canonicalOf: [[UInt8]: [UInt8]] = [:]
    /// Canonical → members (itself first), for the same components.
    private(set) var membersOf: [[UInt8]: [[UInt8]]] = [:]
    /// The id of each key seen in an edge (keys of long ids are hashes).
    private(set) var ids: [[UInt8]: String] = [:]

    var isEmpty: Bool { edges.isEmpty }

    func canonical(of key: [UInt8]) -> [UInt8] { canonicalOf[key] ?? key }

    func members(of canonical: [UInt8]) -> [[UInt8]] { membersOf[canonical] ?? [canonical] }

    /// The id behind a key met in an edge.
    func id(of key: [UInt8]) -> String? { ids[key] }

    /// Whether `a` and `b` are linked directly by an edge in force.
    func linked(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        (edgesOf[a] ?? []).contains { edges[$0].removedAt == nil && ((edges[$0].from == a && edges[$0].into == b) || (edges[$0].from == b && edges[$0].into == a)) }
    }

    /// Adds the edge `from` → `into`; returns the change, or `nil` when the two were one
    /// journey already.
    @discardableResult
    func add(_ edge: Edge) -> Change? {
        let index = edges.count
        edges.append(edge)
        edgesOf[edge.from, default: []].append(index)
        edgesOf[edge.into, default: []].append(index)
        ids[edge.from] = edge.fromId
        ids[edge.into] = edge.intoId
        let winner = canonical(of: edge.into), loser = canonical(of: edge.from)
        guard winner != loser else { return nil }
        let joined = members(of: winner) + members(of: loser)
        for m in joined { canonicalOf[m] = winner }
        membersOf[winner] = joined
        membersOf[loser] = nil
        return Change(refold: [(winner, joined)], removed: [loser])
    }

    /// Removes the edges between `a` and `b` (an unmerge at `position`); returns the change:
    /// the old component split (or not) into the components its remaining edges make.
    @discardableResult
    func remove(_ a: [UInt8], _ b: [UInt8], position: UInt64, recordedAt: Int64) -> Change? {
        var found = false
        for i in edgesOf[a] ?? [] where edges[i].removedAt == nil && ((edges[i].from == a && edges[i].into == b) || (edges[i].from == b && edges[i].into == a)) {
            edges[i].removedAt = position
            edges[i].removedAtTime = recordedAt
            found = true
        }
        guard found else { return nil }
        let old = canonical(of: a)
        let component = members(of: old)
        for m in component {
            canonicalOf[m] = nil
        }
        membersOf[old] = nil
        // Replay the component's remaining edges in log order, from single streams.
        let inside = Set(component)
        let replay = Set(component.flatMap { edgesOf[$0] ?? [] }).sorted().map { edges[$0] }.filter { $0.removedAt == nil && inside.contains($0.from) }
        for e in replay {
            let w = canonical(of: e.into), l = canonical(of: e.from)
            guard w != l else { continue }
            let joined = members(of: w) + members(of: l)
            for m in joined { canonicalOf[m] = w }
            membersOf[w] = joined
            membersOf[l] = nil
        }
        var refold: [(canonical: [UInt8], members: [[UInt8]])] = []
        var seen = Set<[UInt8]>()
        for m in component {
            let c = canonical(of: m)
            guard seen.insert(c).inserted else { continue }
            if membersOf[c]?.count == 1 { membersOf[c] = nil; canonicalOf[c] = nil }
            refold.append((c, members(of: c)))
        }
        return Change(refold: refold, removed: seen.contains(old) ? [] : [old])
    }

    /// The component of `key` as the store knew it at `time` (ms): the edges recorded by then
    /// and not removed by then, replayed in log order. Returns the canonical and the members.
    func component(of key: [UInt8], knownAt time: Int64) -> (canonical: [UInt8], members: [[UInt8]]) {
        let alive = edges.filter { $0.recordedAt <= time && ($0.removedAtTime.map { $0 > time } ?? true) }
        var canonical: [[UInt8]: [UInt8]] = [:]
        var members: [[UInt8]: [[UInt8]]] = [:]
        func find(_ k: [UInt8]) -> [UInt8] { canonical[k] ?? k }
        for e in alive {
            let w = find(e.into), l = find(e.from)
            guard w != l else { continue }
            let joined = (members[w] ?? [w]) + (members[l] ?? [l])
            for m in joined { canonical[m] = w }
            members[w] = joined
            members[l] = nil
        }
        let c = find(key)
        return (c, members[c] ?? [c])
    }
}
