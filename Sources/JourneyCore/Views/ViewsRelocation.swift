import JourneyStore
import LMDBKit

/// Moves the views of a store made before they had an environment of their own (store format 3)
/// out of the log's `data.mdb` into `views/data.mdb`: models, projection records, checkpoints,
/// faults and both slots of every view, byte for byte, so nothing needs rebuilding; then the
/// store is format 4, which earlier builds refuse.
///
/// Safe against a crash at any point and against other processes: it runs with the store to
/// itself (``EventStore/upgradeToFormatFour(_:)``: refused while another process has it open)
/// inside a write transaction of the log; the copy commits (and is flushed) in one transaction
/// of the views together with a marker; only then are the old databases dropped from the log
/// and format 4 recorded, in that log transaction. A crash before the copy commits leaves the
/// views' file without the marker (copied again next time); a crash after it leaves the marker,
/// so the next open only drops.
enum ViewsRelocation {
    /// The `journey-meta` key of the marker: when the move committed.
    static let marker = "layout:moved-from-log"

    /// Moves the views when the store is not format 4 yet. Returns whether views were moved.
    static func moveIfNeeded(store: EventStore, views: Environment) throws -> Bool {
        var moved = false
        try store.upgradeToFormatFour { ltxn in
            var old: [(String, Database)] = []
            for name in JourneyDatabases.names {
                if let db = try? ltxn.openDatabase(name) { old.append((name, db)) }
            }
            guard !old.isEmpty else { return }
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
            // The copy must be on disk before its source is dropped (a store opened with
            // durability off does not flush on commit).
            if !views.options.syncOnCommit { try views.sync() }
            for (_, db) in old { try ltxn.drop(db, delete: true) }
            moved = true
        }
        return moved
    }
}
