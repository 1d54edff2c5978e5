import JourneyStore
import LMDBKit

/// One chunk of a fold group's work, inside the caller's view transaction: the records after
/// the lowest member checkpoint (up to the head, the next higher member checkpoint, the event
/// bound and the deadline) are folded, the changed customers written, the faults met recorded,
/// and the checkpoints of the members that took part moved, all in that transaction.
enum ChunkProcessor {
    /// Returns the events read (0 when the members were all at `head`).
    static func process(
        _ group: FoldGroup, head: UInt64, maxEvents: Int, timeLimit: Duration,
        views: ViewStore, txn: Transaction, log: any LogSnapshot
    ) throws -> Int {
        guard let lowest = group.members.map(\.checkpoint).min(), lowest < head else { return 0 }
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
        try log.forEachRecord(from: lowest + 1) { position, record in
            guard position <= bound else { return false }
            if record.kind == .event { group.noteTouchpoint(record) }
            if anyErased && group.skips(record, position: position, key: record.streamKey) {
                // The erasure's kept state replaces what this record gave; the graph still
                // needs its links, so that the identities stay what they were.
                _ = try group.applyIdentity(record, position: position, context: context, txn: txn, foldAgain: false)
                last = position
                count += 1
                return count < maxEvents
            }
            let stream = group.streamSlot(record)
            if record.isErasure {
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
            count += 1
            return count < maxEvents && (count & 1023 != 0 || clock.now < deadline)
        }
        guard count > 0 else { return 0 }
        try group.flush(taking, txn: txn)
        try views.dbs.recordFaults(context.opener.takeFaults(), in: txn)
        for i in group.members.indices where group.members[i].checkpoint == lowest {
            group.members[i].checkpoint = last
            try views.dbs.setCheckpoint(group.members[i].kind, slot: group.members[i].slot, last, in: txn)
        }
        return count
    }
}
