import LMDBKit

/// Reads of the `streams` index: (customer number, version) → position.
enum StreamIndex {
    /// The last version of customer `n`'s stream, or 0 when it has none.
    static func lastVersion(of n: UInt64, in txn: Transaction, streams: Database) throws -> UInt64 {
        try txn.withCursor(streams) { c in
            var upper = StoreLayout.streamKey(n &+ 1, 0)
            let found = try withUnsafeBytes(of: &upper) { try c.seek(atLeast: $0) }
            let entry = n == .max ? try c.last() : (found == nil ? try c.last() : try c.previous())
            guard let entry, entry.key.count == 16,
                  UInt64(bigEndian: entry.key.loadUnaligned(as: UInt64.self)) == n
            else { return 0 }
            return UInt64(bigEndian: entry.key.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
    }
}
