import JourneyJSON
import JourneyStore
import LMDBKit

/// Where the views last met the log: a position they applied and the log's chain hash there.
/// The log's hash at that position must match, or the views were made from another log.
struct LogAnchor: Codable, Sendable, Equatable {
    var position: UInt64
    var chainHash: String
}

extension ViewStore {
    static let anchorKey = "log-anchor"
    static let resetKey = "views:reset"

    /// Records that the views applied the log up to `position`, whose chain hash is `hash`.
    func setAnchor(_ position: UInt64, _ hash: ChainHash, in txn: Transaction) throws {
        try dbs.setRecord(Self.anchorKey, LogAnchor(position: position, chainHash: hash.hex), in: txn)
    }

    /// Why the views cannot belong to the log: a checkpoint above the log's head, or the log's
    /// hash at the anchor differs (e.g. an older log restored under newer views, or views
    /// copied beside another store). `nil` when they agree.
    func mismatch(_ txn: Transaction, _ log: any LogSnapshot) throws -> String? {
        let head = try log.headPosition()
        for kind in ProjectionKind.allCases {
            for slot in 0..<2 {
                let c = try dbs.checkpoint(kind, slot: slot, in: txn)
                if c > head {
                    return "the \(kind.rawValue) view (slot \(slot)) has applied the log up to position \(c), but the log ends at \(head)"
                }
            }
        }
        if let anchor = try dbs.record(Self.anchorKey, as: LogAnchor.self, in: txn), anchor.position > 0 {
            guard let r = try log.record(at: anchor.position) else {
                return "the views were built from a log that reached position \(anchor.position); this log ends at \(head)"
            }
            if r.chainHash.hex != anchor.chainHash {
                return "the views were built from another log: its chain hash at position \(anchor.position) is \(anchor.chainHash), this log's is \(r.chainHash.hex)"
            }
        }
        return nil
    }

    /// Checks the views against the log when opened; views that cannot belong to it are emptied
    /// (models and the active model kept) so that the live worker builds them again from the
    /// first position. Returns what was found, for the caller to tell the operator.
    func resetIfAheadOfLog() throws -> String? {
        guard try read({ txn, log in try mismatch(txn, log) }) != nil else { return nil }
        return try write { txn, log -> String? in
            guard let problem = try mismatch(txn, log) else { return nil }
            for db in dbs.allViews { try txn.drop(db) }
            try txn.drop(dbs.checkpoints)
            try txn.drop(dbs.faults)
            for kind in ProjectionKind.allCases {
                var record = try projectionRecord(kind, in: txn)
                record.generation += 1
                try dbs.setRecord(MetaKey.projection(kind), record, in: txn)
                try dbs.setRecord(MetaKey.rebuild(kind), Optional<RebuildRecord>.none, in: txn)
            }
            try dbs.setRecord(Self.anchorKey, Optional<LogAnchor>.none, in: txn)
            let notice = "the views did not match the log (\(problem)); they were emptied and are being rebuilt from the log (the active model is kept)"
            try dbs.setString(Self.resetKey, "\(Timestamp.now().rfc3339) \(notice)", in: txn)
            return notice
        }
    }
}
