import JourneyJSON
import JourneyStore
import LMDBKit

/// The fold follows the identity graph: every stream's events go to the journey of its
/// component's canonical stream; a link, merge or unmerge that changes components folds the
/// journeys concerned again from all their streams' events, in business order, and removes the
/// journeys that no longer exist, exactly as a late event does for one stream.
extension FoldGroup {
    /// The slot of the record's own stream (its customer's key, or its visitor's), without
    /// allocating for the common customer stream.
    func streamSlot(_ r: RecordView) -> Int {
        let c = r.customerIdBytes
        if !c.isEmpty && c.count <= CustomerKey.maxInlineBytes { return customers.slot(c) }
        let a = r.anonymousIdBytes
        if c.isEmpty && !a.isEmpty && a.count < CustomerKey.maxInlineBytes {
            // A visitor's key is its prefix byte and its id: built on the stack.
            return withUnsafeTemporaryAllocation(byteCount: a.count + 1, alignment: 1) { buffer in
                buffer[0] = CustomerKey.anonymousPrefix
                UnsafeMutableRawBufferPointer(rebasing: buffer[1...]).copyMemory(from: a)
                return customers.slot(UnsafeRawBufferPointer(buffer))
            }
        }
        return r.streamKey.withUnsafeBytes { customers.slot($0) }
    }

    /// Touches where ``streamSlot(_:)`` will look for a record naming a customer (see
    /// `CustomerTable.warm`).
    func warmStream(_ r: RecordView) {
        let c = r.customerIdBytes
        if !c.isEmpty && c.count <= CustomerKey.maxInlineBytes { warmth &+= customers.warm(c) }
    }

    /// The slot of the journey a stream belongs to.
    func journeySlot(ofStream slot: Int, txn: Transaction) throws -> Int {
        let graph = try loadIdentity(txn)
        if graph.isEmpty { return slot }
        if slot < canonicalSlot.count, canonicalSlot[slot] >= 0 { return Int(canonicalSlot[slot]) }
        return slot
    }

    /// The keys of the streams of the journey in `slot`.
    func streams(of slot: Int) -> [[UInt8]] {
        let key = customers.keys[slot].bytes
        return identity?.members(of: key) ?? [key]
    }

    /// The graph, loaded from the slot's identity views on first use (empty without them).
    func loadIdentity(_ txn: Transaction) throws -> IdentityGraph {
        if let identity { return identity }
        let graph = try identityViews?.load(txn) ?? IdentityGraph()
        identity = graph
        for (member, canonical) in graph.canonicalOf { setCanonical(member, canonical) }
        return graph
    }

    private func setCanonical(_ member: [UInt8], _ canonical: [UInt8]) {
        let m = member.withUnsafeBytes { customers.slot($0) }
        let c = canonical.withUnsafeBytes { customers.slot($0) }
        if m >= canonicalSlot.count { canonicalSlot.append(contentsOf: repeatElement(-1, count: m - canonicalSlot.count + 1)) }
        canonicalSlot[m] = m == c ? -1 : Int32(c)
    }

    /// Applies a record's identity meaning (a link in an event, a merge, an unmerge). Returns
    /// whether the journeys it touched were folded again (the record included), so that the
    /// caller does not apply it once more.
    /// With `foldAgain` false, only the graph changes (an erased customer's records, whose journey
    /// the erasure keeps).
    func applyIdentity(_ r: RecordView, position: UInt64, context: ChunkContext, txn: Transaction, foldAgain: Bool = true) throws -> Bool {
        let graph = try loadIdentity(txn)
        var change: IdentityGraph.Change?
        switch try IdentityGraph.change(of: r, position: position) {
        case nil:
            return false
        case .add(let edge):
            guard edge.merge || !graph.linked(edge.from, edge.into) else { return false }
            change = graph.add(edge)
            changedEdges.append(edge)
        case .remove(let a, let b):
            change = graph.remove(a, b, position: position, recordedAt: r.recordedAt.milliseconds)
            changedEdges.append(contentsOf: graph.edges.filter { $0.removedAt == position })
        }
        guard let change else { return r.kind != .event }
        guard foldAgain else {
            for (canonical, members) in change.refold { for m in members { setCanonical(m, canonical) } }
            changedComponents.formUnion(change.refold.map(\.canonical) + change.removed)
            return true
        }
        if change.removed.count == 1, change.refold.count == 1, let (canonical, members) = change.refold.first, !isUnmerge(r) {
            // Two journeys join. When one of them has no events yet (a visitor's first event
            // after signup names the customer's new stream), the joined fold is the other's as
            // it is: moved, not folded again. An event is then applied to it as usual (a late
            // one folds the joined history again, as always).
            let winner = canonical.withUnsafeBytes { customers.slot($0) }
            let loser = change.removed[0].withUnsafeBytes { customers.slot($0) }
            let winnerEmpty = try hasNoEvents(winner, txn: txn)
            if try winnerEmpty || hasNoEvents(loser, txn: txn) {
                if winnerEmpty { try move(from: loser, to: winner, id: graph.id(of: canonical) ?? r.stream.id, txn: txn) }
                try remove(customer: loser, txn: txn)
                for m in members { setCanonical(m, canonical) }
                changedComponents.insert(canonical)
                changedComponents.insert(change.removed[0])
                return r.kind != .event
            }
        }
        for gone in change.removed {
            let slot = gone.withUnsafeBytes { customers.slot($0) }
            try remove(customer: slot, txn: txn)
            changedComponents.insert(gone)
        }
        for (canonical, members) in change.refold {
            for m in members { setCanonical(m, canonical) }
            let slot = canonical.withUnsafeBytes { customers.slot($0) }
            let id = graph.id(of: canonical) ?? r.stream.id
            try refold(customer: slot, id: id, keys: members, upTo: position, context: context, txn: txn)
            changedComponents.insert(canonical)
        }
        return true
    }

    /// Writes the graph's changes since the last flush: new or removed edges, and the members
    /// of every component that changed.
    func flushIdentity(_ members: [Member], txn: Transaction) throws {
        guard let views = identityViews, members.contains(where: { $0.kind == .journeyHistory }), let graph = identity else { return }
        for e in changedEdges { try views.write(e, txn) }
        for c in changedComponents {
            if graph.canonical(of: c) != c { try views.forget(c, txn); continue }
            try views.writeComponent(canonical: c, members: graph.members(of: c), ids: graph.id(of:), txn)
        }
        changedEdges.removeAll()
        changedComponents.removeAll()
    }

    private func isUnmerge(_ r: RecordView) -> Bool { r.kind == .unmerge }
}
