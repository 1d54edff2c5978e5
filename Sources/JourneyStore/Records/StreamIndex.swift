import LMDBKit

/// Reads of the `streams` index: customer number → the positions of its events, in order, as
/// sorted duplicate values (`MDB_DUPSORT | MDB_DUPFIXED`). The k-th value is version k.
///
/// A customer's positions sit together in one node (up to about 250 inline, then in a
/// sub-tree of densely packed 8-byte values), so the index is about a third the size of one
/// keyed by (customer, version), and a commit rewrites that many fewer pages.
enum StreamIndex {
    /// The last version of customer `n`'s stream, or 0 when it has none.
    static func lastVersion(of n: UInt64, in txn: Transaction, streams: Database) throws -> UInt64 {
        try txn.withCursor(streams) { c in
            var key = n.bigEndian
            guard try withUnsafeBytes(of: &key, { try c.seek(exactly: $0) }) != nil else { return 0 }
            return UInt64(try c.duplicateCount())
        }
    }

    /// The positions of customer `n`'s events, version 1 first.
    static func positions(of n: UInt64, in txn: Transaction, streams: Database) throws -> [UInt64] {
        try txn.withCursor(streams) { c in
            var key = n.bigEndian
            guard let hit = try withUnsafeBytes(of: &key, { try c.seek(exactly: $0) }) else { return [] }
            let count = try c.duplicateCount()
            // A key with one value has no duplicate sub-page, and MDB_GET_MULTIPLE then returns
            // nothing: the value is the one the seek found.
            if count == 1 { return [UInt64(bigEndian: hit.value.loadUnaligned(as: UInt64.self))] }
            var out: [UInt64] = []
            out.reserveCapacity(count)
            var page = try c.multiple(first: true)
            while let values = page {
                for i in 0..<(values.count / 8) {
                    out.append(UInt64(bigEndian: values.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
                }
                page = try c.multiple(first: false)
            }
            return out
        }
    }
}
