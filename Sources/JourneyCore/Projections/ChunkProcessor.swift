import JourneyStore
import LMDBKit

/// One chunk of a fold group's work, inside the caller's view transaction: the records after
/// the lowest member checkpoint (up to the head, the next higher member checkpoint, the event
/// bound and the deadline) are folded, the changed customers written, the faults met recorded,
/// and the checkpoints of the members that took part moved, all in that transaction.
///
/// A rebuild may fold several chunks in read transactions (``fold``) and write them in one
/// (``commit``): every customer it touched is then written once, not once per chunk.
enum ChunkProcessor {
    /// Records looked up and folded together (see `fold`).
    static let batch = 32

    /// Returns the events read (0 when the members were all at `head`).
    static func process(
        _ group: FoldGroup, head: UInt64, maxEvents: Int, timeLimit: Duration,
        views: ViewStore, txn: Transaction, log: any LogSnapshot
    ) throws -> Int {
        guard let lowest = group.members.map(\.checkpoint).min(), lowest < head else { return 0 }
        let taking = group.members.filter { $0.checkpoint == lowest }
        let (count, faults) = try fold(group, head: head, maxEvents: maxEvents, timeLimit: timeLimit, txn: txn, log: log)
        guard count > 0 else { return 0 }
        try commit(group, taking.map(\.kind), faults: faults, views: views, txn: txn)
        return count
    }

    /// Writes what the group folded since its last commit for the members `kinds` (their
    /// states, views and checkpoints) and the faults met, in `txn`.
    static func commit(_ group: FoldGroup, _ kinds: [ProjectionKind], faults: [ProjectionFault], views: ViewStore, txn: Transaction) throws {
        try group.flush(group.members.filter { kinds.contains($0.kind) }, txn: txn)
        try views.dbs.recordFaults(faults, in: txn)
        for m in group.members where kinds.contains(m.kind) {
            try views.dbs.setCheckpoint(m.kind, slot: m.slot, m.checkpoint, in: txn)
        }
    }

    /// Folds the next chunk into the group's states without writing anything: the members at
    /// the lowest checkpoint move to the last record folded (in memory). Returns the events read
    /// and the faults met.
    static func fold(
        _ group: FoldGroup, head: UInt64, maxEvents: Int, timeLimit: Duration, txn: Transaction, log: any LogSnapshot
    ) throws -> (Int, [ProjectionFault]) {
        guard let lowest = group.members.map(\.checkpoint).min(), lowest < head else { return (0, []) }
        let taking = group.members.filter { $0.checkpoint == lowest }
        // Members ahead wait until the others reach them (their views already hold those events).
        let bound = group.members.map(\.checkpoint).filter { $0 > lowest }.min().map { min($0, head) } ?? head
        if group.stateSource != nil && !taking.contains(where: { $0.kind == .journeyHistory }) {
            throw StoreError(.corrupt, "journey-history is ahead of the projections derived from it; rebuild all projections (journeyctl rebuild)")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeLimit
        var count = 0
        var last = lowest
        let context = ChunkContext(log: log)
        try group.refreshErasures(log: log)
        let anyErased = !group.erasures.byCustomer.isEmpty
        /// One record, in log order, of a stream already interned as `stream`.
        func step(_ position: UInt64, _ record: RecordView, _ stream: Int) throws {
            if record.kind == .event { group.noteTouchpoint(record) }
            if anyErased && group.skips(record, position: position, key: record.streamKey) {
                // The erasure's kept state replaces what this record gave; the graph still
                // needs its links, so that the identities stay what they were.
                _ = try group.applyIdentity(record, position: position, context: context, txn: txn, foldAgain: false)
            } else if record.isErasure {
                try group.applyErasure(record, customer: try group.journeySlot(ofStream: stream, txn: txn), txn: txn)
            } else if record.kind != .event || (!record.anonymousIdBytes.isEmpty && !record.customerIdBytes.isEmpty),
                      try group.applyIdentity(record, position: position, context: context, txn: txn) {
                // The journeys it touched were folded again, this record included.
            } else if record.kind == .event {
                let journey = try group.journeySlot(ofStream: stream, txn: txn)
                try group.apply(try group.model.classify(record, position: position, opener: context.opener), record: record,
                                customer: journey, context: context, txn: txn)
            }
            last = position
        }
        // Records are taken a batch at a time: their streams are looked up first, then their
        // states' memory is touched, then they are folded in order. With many customers each
        // look-up and each state is a cache miss; one after the other they overlap.
        var batch: [(UInt64, RecordView)] = []
        batch.reserveCapacity(Self.batch)
        var streams = [Int](repeating: 0, count: Self.batch)
        func drain() throws {
            for (_, record) in batch { group.warmStream(record) }
            for (k, (_, record)) in batch.enumerated() { streams[k] = group.streamSlot(record) }
            for k in batch.indices { group.warm(streams[k]) }
            for (k, (position, record)) in batch.enumerated() { try step(position, record, streams[k]) }
            batch.removeAll(keepingCapacity: true)
        }
        try log.forEachRecord(from: lowest + 1) { position, record in
            guard position <= bound else { return false }
            batch.append((position, record))
            if batch.count == Self.batch { try drain() }
            count += 1
            return count < maxEvents && (count & 1023 != 0 || clock.now < deadline)
        }
        try drain()
        guard count > 0 else { return (0, []) }
        for i in group.members.indices where group.members[i].checkpoint == lowest {
            group.members[i].checkpoint = last
        }
        return (count, context.opener.takeFaults())
    }
}
