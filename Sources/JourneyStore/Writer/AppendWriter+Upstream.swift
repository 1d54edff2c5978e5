import LMDBKit

/// Group commit on a node whose log is upstream (``LogUpstream``): the group is applied to the
/// replica under the upstream's head lock and committed upstream before it commits here.
extension AppendWriter {
    /// Records in one catch-up transaction at most (a new node takes the log in pieces).
    static let catchUpChunk = 20_000
    /// Records sent upstream ahead of the commit once this many are written (inside a large
    /// request too): the upstream stores them while the writer applies the rest. Smaller
    /// groups go up in the commit's one statement.
    static let shipChunk: UInt64 = 4_096

    /// Commits `group` through `upstream`. A group of `sync` requests only catches the replica up
    /// without the lock.
    func commitThroughUpstream(_ group: [WriterRequest], _ upstream: any LogUpstream) {
        let writes = group.contains { if case .sync = $0.work { false } else { true } }
        var session: (any UpstreamWrite)?
        var taken: [UpstreamCommit]?
        var shipped: (records: Int, outcome: GroupOutcome)?
        /// Records sent ahead of the commit (``UpstreamWrite/send(_:)``).
        var sent = 0
        var erasedElsewhere: [[UInt8]] = []
        defer { session?.abandon() }
        let outcome: GroupOutcome
        do {
            outcome = try env.write(recording: recorder) { txn -> GroupOutcome in
                recorder.isOn = false
                erasedElsewhere.removeAll()
                var local = try localHead(in: txn)
                guard writes else {
                    // Catch up without the lock, in pieces; a sync request only waits for it.
                    var records = 0
                    while records < Self.catchUpChunk {
                        let commits = try upstream.commits(after: local, limit: Self.catchUpChunk - records)
                        if commits.isEmpty { break }
                        try replay(commits, after: local, in: txn) { erasedElsewhere.append($0) }
                        local = commits.last!.head
                        records += commits.reduce(0) { $0 + $1.records.count }
                    }
                    return GroupOutcome(results: group.map { _ in .success(AppendResult(events: [], headPosition: local)) },
                                        head: local, storedKeys: [], erased: [])
                }
                if shipped == nil && sent > 0 {
                    // The map grew after records went upstream: their transaction starts again.
                    session?.abandon()
                    session = nil
                    taken = nil
                    sent = 0
                }
                if session == nil {
                    let s = try upstream.beginWrite()
                    session = s
                    guard s.head >= local else { throw Self.replicaAhead(local: local, upstream: s.head, name: upstream.name) }
                    taken = try s.commits(after: local)
                }
                // The map grew and the body runs again: the same commits, and ours if shipped.
                try replay(taken ?? [], after: local, in: txn) { erasedElsewhere.append($0) }
                if let shipped {
                    // Committed upstream (the map grew at the LMDB commit): taken in from there.
                    try takeIn(through: shipped.outcome.head, after: session!.head, from: upstream, in: txn)
                    return shipped.outcome
                }
                let head = taken?.last?.head ?? local
                recorder.isOn = true
                let outcome = try apply(group, in: txn, written: { through in
                    let records = try self.written(head + UInt64(sent) + 1, through, in: txn)
                    sent += records.count
                    session!.send(records)
                }, every: Self.shipChunk)
                recorder.isOn = false
                let changes = recorder.take()
                guard outcome.head > head else {
                    session?.abandon()
                    return outcome
                }
                let rest = try written(head + UInt64(sent) + 1, outcome.head, in: txn)
                try session!.commit(rest, changes: changes)
                shipped = (Int(outcome.head - head), outcome)
                return outcome
            }
        } catch {
            cache.invalidate()
            if let shipped {
                // Committed upstream, not here: the answer stands; the replica takes it in again.
                finish(group, shipped.outcome, erasedElsewhere: [])
                return
            }
            let failure = (error as? AbortGroup)?.error ?? StoreError.wrap(error)
            for r in group { r.complete(.failure(failure)) }
            return
        }
        if writes {
            // `apply` ran on top of what was taken in (its `begin` saw the new head).
            cache.committed(head: outcome.head)
        } else if !erasedElsewhere.isEmpty || outcome.head != cache.head {
            // Taken in without `apply`: the cache knows nothing of it.
            cache.invalidate()
        }
        if let shipped {
            counters.commits.add(1, ordering: .relaxed)
            counters.events.add(shipped.records, ordering: .relaxed)
        }
        finish(group, outcome, erasedElsewhere: erasedElsewhere)
    }

    private func finish(_ group: [WriterRequest], _ outcome: GroupOutcome, erasedElsewhere: [[UInt8]]) {
        if let keys {
            if !outcome.storedKeys.isEmpty { keys.stored(outcome.storedKeys) }
            for c in outcome.erased + erasedElsewhere { keys.erasedNow(c) }
        }
        for (r, result) in zip(group, outcome.results) { r.complete(result) }
        notifier.publish(head: outcome.head)
    }

    /// The records at `from ... through` as just written in `txn`, for the upstream (pointing
    /// into the map: valid while `txn` writes nothing more).
    private func written(_ from: UInt64, _ through: UInt64, in txn: Transaction) throws -> WrittenRecords {
        guard from <= through else { return WrittenRecords(first: from, records: []) }
        var records: [UnsafeRawBufferPointer] = []
        records.reserveCapacity(Int(through - from + 1))
        // One walk through the positions (they were just appended, in order).
        try txn.withCursor(layout.events) { c in
            var entry = try c.seek(atLeast: from)
            for p in from...through {
                guard let (key, raw) = entry, Transaction.uint64(key) == p, RecordView(raw) != nil else {
                    throw AbortGroup(error: StoreError(.corrupt, "the record just written at position \(p) does not decode"))
                }
                records.append(raw)
                entry = p < through ? try c.next() : nil
            }
        }
        return WrittenRecords(first: from, records: records)
    }

    /// Takes in the upstream's commits after `position` through `head` (a commit boundary):
    /// a group of this node's that went upstream but not into the replica.
    private func takeIn(through head: UInt64, after position: UInt64, from upstream: any LogUpstream, in txn: Transaction) throws {
        var at = position
        while at < head {
            let commits = try upstream.commits(after: at, limit: Self.catchUpChunk).filter { $0.head <= head }
            guard let last = commits.last else {
                throw StoreError(.unavailable, "the upstream log (\(upstream.name)) does not hold the commit ending at position \(head) that it acknowledged")
            }
            try replay(commits, after: at, in: txn) { _ in }
            at = last.head
        }
    }

    /// The position of the replica's last record.
    func localHead(in txn: Transaction) throws -> UInt64 {
        try txn.withCursor(layout.events) { c in try c.last().map { Transaction.uint64($0.key) } ?? 0 }
    }

    /// Writes upstream commits into the replica: each record after the replica's last (its chain
    /// hash checked over the previous one), then the commit's index changes.
    func replay(_ commits: [UpstreamCommit], after local: UInt64, in txn: Transaction, tombstone: ([UInt8]) -> Void) throws {
        guard let first = commits.first else { return }
        var position = local
        var previous = ChainHash.genesis
        if position > 0 {
            guard let raw = try txn.get(layout.events, key: position), let r = RecordView(raw) else {
                throw StoreError(.corrupt, "the replica's record at position \(position) does not decode; run journeyctl verify")
            }
            previous = r.chainHash
        }
        guard first.head - UInt64(first.records.count) == local else {
            throw StoreError(.corrupt, "the upstream log's commit ending at position \(first.head) does not follow this replica's head \(local)")
        }
        for c in commits {
            for r in c.records {
                position += 1
                try r.bytes.withUnsafeBytes { raw in
                    guard r.position == position, let view = RecordView(raw) else {
                        throw StoreError(.corrupt, "the upstream log's record at position \(r.position) does not decode or is out of place (expected position \(position))")
                    }
                    let hash = previous.next(over: view.body)
                    guard hash == view.chainHash else {
                        throw StoreError(.corrupt, "the upstream log's record at position \(position) does not continue this replica's hash chain: the replica and the upstream log differ. Move this node's data folder away so that it is built again from the upstream log")
                    }
                    previous = hash
                    var key = position.bigEndian
                    try withUnsafeBytes(of: &key) { k in try txn.put(layout.events, key: k, value: raw, flags: .append) }
                }
            }
            guard position == c.head else {
                throw StoreError(.corrupt, "the upstream log's commit ending at position \(c.head) holds records up to \(position) only")
            }
            try UpstreamChanges.apply(c.changes, layout: layout, in: txn, at: c.head, tombstone: tombstone)
        }
    }

    static func replicaAhead(local: UInt64, upstream: UInt64, name: String) -> StoreError {
        StoreError(.corrupt, "this node's copy of the log reaches position \(local), the upstream log (\(name)) only \(upstream): the upstream lost committed events (restored from an older backup, or failed over to a standby that was not synchronous) or is another log. Nothing was written. Move this node's data folder away so that it is built again from the upstream log")
    }
}
