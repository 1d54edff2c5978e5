import LMDBKit

/// The identity links now in force, in the `links` database (see ``StoreLayout``): for each
/// stream key, the keys it is linked to directly and the position of the record that linked
/// them. Reads and writes inside the caller's transaction.
struct LinkIndex {
    let db: Database
    let txn: Transaction

    /// One direct link: the other stream's key and the position of the record that made it.
    struct Edge: Equatable {
        var other: [UInt8]
        var position: UInt64
    }

    /// The direct links of `key`.
    func edges(of key: [UInt8]) throws -> [Edge] {
        var out: [Edge] = []
        try txn.withCursor(db) { c in
            var entry = try key.withUnsafeBytes { try c.seek(exactly: $0) }
            while let e = entry {
                let v = e.value
                guard v.count > 8 else { break }
                out.append(Edge(other: Array(v[0..<(v.count - 8)]), position: Transaction.uint64(UnsafeRawBufferPointer(rebasing: v[(v.count - 8)...]))))
                entry = try c.nextDuplicate()
            }
        }
        return out
    }

    /// How many ids `key` is linked to directly.
    func count(of key: [UInt8]) throws -> Int {
        try txn.withCursor(db) { c in
            guard try key.withUnsafeBytes({ try c.seek(exactly: $0) }) != nil else { return 0 }
            return try c.duplicateCount()
        }
    }

    /// Whether `a` and `b` are linked directly.
    func linked(_ a: [UInt8], _ b: [UInt8]) throws -> Bool {
        try edges(of: a).contains { $0.other == b }
    }

    /// Every key reachable from `key` (itself included), breadth first, at most `limit` keys.
    func component(of key: [UInt8], limit: Int = 100_000) throws -> [[UInt8]] {
        var seen: Set<[UInt8]> = [key]
        var order = [key]
        var i = 0
        while i < order.count && order.count < limit {
            for e in try edges(of: order[i]) where seen.insert(e.other).inserted { order.append(e.other) }
            i += 1
        }
        return order
    }

    /// Links `a` and `b` (both directions) by the record at `position`.
    func add(_ a: [UInt8], _ b: [UInt8], position: UInt64) throws {
        for (x, y) in [(a, b), (b, a)] {
            var value = y
            withUnsafeBytes(of: position.bigEndian) { value.append(contentsOf: $0) }
            try txn.put(db, key: x, value: value)
        }
    }

    /// Removes every direct link between `a` and `b`; returns how many there were.
    @discardableResult
    func remove(_ a: [UInt8], _ b: [UInt8]) throws -> Int {
        var removed = 0
        for e in try edges(of: a) where e.other == b {
            for (x, y) in [(a, b), (b, a)] {
                var value = y
                withUnsafeBytes(of: e.position.bigEndian) { value.append(contentsOf: $0) }
                try txn.delete(db, key: x, value: value)
            }
            removed += 1
        }
        return removed
    }
}
