import LMDBKit

/// The identity graph's edges as the log keeps them (``LinkIndex``): links made by events that
/// name a visitor and a customer, merges and unmerges; each checked against ``IdentityRules``
/// inside the transaction that writes it, whichever process writes.
extension AppendWriter {
    var linkIndex: (Transaction) -> LinkIndex { { LinkIndex(db: self.layout.links, txn: $0) } }

    /// Before a request writes: every link its new events would make is allowed (no blocked id,
    /// no id past its most links). A link already in force changes nothing.
    func checkLinks(_ events: [NewEvent], outcomes: [Outcome], in txn: Transaction) throws {
        var added: [[UInt8]: Int] = [:]
        var seen = Set<[[UInt8]]>()
        let index = linkIndex(txn)
        for (i, e) in events.enumerated() {
            guard case .new = outcomes[i], let link = e.link else { continue }
            for (id, field) in [(link.anonymous, "anonymousId"), (link.customer, "customerId")] where identities.isBlocked(id) {
                var err = StoreError.invalid(field, "\"\(id)\" is on the block-list of ids that never link (identities.blocked); send the event without it")
                err.index = i
                throw err
            }
            let a = StreamID.anonymous(link.anonymous).key, c = StreamID.customer(link.customer).key
            guard seen.insert([a, c]).inserted, try !index.linked(a, c) else { continue }
            for (key, id, field) in [(a, link.anonymous, "anonymousId"), (c, link.customer, "customerId")] {
                let n = try index.count(of: key) + added[key, default: 0]
                if n >= identities.maxLinks {
                    var err = StoreError(.identityLimit, "\(field) \(id) is already linked to \(n) other ids, the most allowed (identities.maxLinks); a shared or placeholder id? Send the event without it", field: field)
                    err.index = i
                    throw err
                }
                added[key, default: 0] += 1
            }
        }
    }

    /// Links the event's visitor and customer, when they are not linked yet.
    func addLink(_ link: (anonymous: String, customer: String), position: UInt64, in txn: Transaction) throws {
        let a = StreamID.anonymous(link.anonymous).key, c = StreamID.customer(link.customer).key
        let index = linkIndex(txn)
        if try !index.linked(a, c) { try index.add(a, c, position: position) }
    }

    /// A merge or unmerge: checked, then written as a record of `into`'s stream. Answers no
    /// events when it changes nothing (merging an id into itself or into one it is linked to
    /// already).
    func applyIdentity(_ request: IdentityRequest, in txn: Transaction, state: inout GroupState) throws -> AppendResult {
        let (from, into) = (request.from, request.into)
        for s in [from, into] {
            if identities.isBlocked(s.id) {
                throw StoreError(.invalidArgument, "\(s) is on the block-list of ids that never link (identities.blocked)")
            }
            guard try currentVersion(of: s, in: txn) > 0 || linkIndex(txn).count(of: s.key) > 0 else {
                throw StoreError(.notFound, "\(s) is not known to this store; nothing was \(request.unmerge ? "unmerged" : "merged")")
            }
            if try txn.get(layout.erasures, key: s.key) != nil {
                var e = StoreError(.customerErased, "\(s) was erased; its identities can no longer be \(request.unmerge ? "unmerged" : "merged")")
                e.customerId = s.id
                throw e
            }
        }
        let index = linkIndex(txn)
        let unchanged = AppendResult(events: [], headPosition: state.position)
        if request.unmerge {
            guard try index.linked(from.key, into.key) else {
                throw StoreError(.notLinked, "\(from) and \(into) are not linked directly; nothing to unmerge (journeyctl identity show, or GET /v1/customers/{id}/identities, lists the direct links)")
            }
        } else {
            if try from == into || index.component(of: from.key).contains(into.key) { return unchanged }
            for s in [from, into] {
                let n = try index.count(of: s.key)
                if n >= identities.maxLinks {
                    throw StoreError(.identityLimit, "\(s) is already linked to \(n) other ids, the most allowed (identities.maxLinks)")
                }
            }
        }
        do {
            let (number, v) = try nextVersion(into, in: txn, state: &state)
            let id = EventID.generate(at: state.recordedAt)
            var event = NewEvent(id: id, customerId: nil, type: request.unmerge ? "identity_unmerged" : "identity_merged", properties: request.properties)
            switch into {
            case .customer(let c): event.customerId = c
            case .anonymous(let a): event.anonymousId = a
            }
            try writeRecord(event, id: id, kind: request.unmerge ? .unmerge : .merge, version: v, in: txn, state: &state)
            if request.unmerge {
                try index.remove(from.key, into.key)
            } else {
                try index.add(from.key, into.key, position: state.position)
            }
            state.idEntries.append((EventIDKey(id), state.position))
            state.streamEntries.append((number, v, state.position))
            return AppendResult(events: [AppendedEvent(id: id, customerId: event.customerId, anonymousId: event.anonymousId, position: state.position, version: v, duplicate: false)],
                                headPosition: state.position)
        } catch let e as LMDBError {
            throw e
        } catch {
            throw AbortGroup(error: StoreError.wrap(error))
        }
    }
}
