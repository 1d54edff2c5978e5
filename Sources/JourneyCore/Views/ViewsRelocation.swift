import JourneyStore
import LMDBKit

/// Moves the views of a store made before they had an environment of their own out of the log's
/// `data.mdb` into `views/data.mdb`: models, projection records, checkpoints, faults and both
/// slots of every view, byte for byte, so nothing needs rebuilding.
///
/// Safe against a crash at any point and against several processes opening the store at once:
/// it runs inside a write transaction of the log (one process at a time); the copy commits in
/// one transaction of the views together with a marker; only then are the old databases
/// dropped from the log. A crash before the copy commits leaves the views' file empty (copied
/// again next time); a crash after it leaves the marker, so the next open only drops.
enum ViewsRelocation {
    /// The `journey-meta` key of the marker: when the move committed.
    static let marker = "layout:moved-from-log"

    /// Moves the views when the log's file still holds them. Returns whether it did.
    static func moveIfNeeded(log: Environment, views: Environment) throws -> Bool {
        // In a write transaction even to look: LMDB allows no database handle to be opened
        // while another transaction of the process opens one. One that finds nothing changes
        // nothing, so its commit writes (and syncs) nothing.
        return try log.write { ltxn -> Bool in
            var old: [(String, Database)] = []
            for name in JourneyDatabases.names {
                if let db = try? ltxn.openDatabase(name) { old.append((name, db)) }
            }
            guard !old.isEmpty else { return false }
            try views.write { vtxn in
                let meta = try vtxn.openDatabase("journey-meta", flags: .create)
                guard try vtxn.get(meta, key: Array(marker.utf8)) == nil else { return }
                for (name, source) in old {
                    let target = try vtxn.openDatabase(name, flags: .create)
                    try vtxn.drop(target)
                    try ltxn.withCursor(source) { c in
                        var entry = try c.first()
                        while let e = entry {
                            try vtxn.put(target, key: e.key, value: e.value, flags: .append)
                            entry = try c.next()
                        }
                    }
                }
                try vtxn.put(meta, key: Array(marker.utf8), value: Array(Timestamp.now().rfc3339.utf8))
            }
            for (_, db) in old { try ltxn.drop(db, delete: true) }
            return true
        }
    }
}
