import JourneyStore
import LMDBKit

/// A customer's view key (the store's customer key) with a fast hash.
struct TableKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: TableKey, b: TableKey) -> Bool {
        a.bytes.count == b.bytes.count && a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
    }

    static func precedes(_ a: TableKey, _ b: TableKey) -> Bool {
        a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
    }
}

/// Customer keys interned to small numbers, shared by the projections a worker processes
/// together, so each event costs one hash lookup whatever the number of projections. An
/// open-addressing table over the key bytes: looking up needs no allocation, and touches two
/// places in memory (the bucket, which holds the hash and where the key's bytes are, and those
/// bytes in one arena), because with a hundred thousand customers every one is a cache miss.
final class CustomerTable {
    private(set) var keys: [TableKey] = []
    /// Sort keys: the first 16 bytes of each key, big-endian, for fast ordering.
    private(set) var prefixes: [(UInt64, UInt64)] = []

    private struct Bucket {
        var hash: UInt64 = 0
        /// The customer's number, −1: empty.
        var slot: Int32 = -1
        /// Where the key is in `arena`: a 2-byte length (little-endian), then the bytes.
        var offset: UInt32 = 0
    }

    private var buckets = [Bucket](repeating: Bucket(), count: 1024)
    private var arena: [UInt8] = []

    var count: Int { keys.count }

    @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(b.count)
        var i = 0
        while i + 8 <= b.count {
            h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < b.count {
            tail |= UInt64(b[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }

    /// Reads the bucket where `bytes` would be and the start of the key it holds, so that a
    /// ``slot(_:)`` soon after finds them in the cache; returns what it read.
    func warm(_ bytes: UnsafeRawBufferPointer) -> Int {
        let h = Self.hash(bytes)
        return buckets.withUnsafeBufferPointer { table in
            let b = table[Int(truncatingIfNeeded: h) & (table.count - 1)]
            guard b.slot >= 0 else { return 0 }
            return arena.withUnsafeBufferPointer { Int($0[Int(b.offset)]) }
        }
    }

    /// The number of the customer whose key is `bytes`, interning it when new.
    func slot(_ bytes: UnsafeRawBufferPointer) -> Int {
        let h = Self.hash(bytes)
        let found: Int? = buckets.withUnsafeBufferPointer { table in
            arena.withUnsafeBytes { keyBytes in
                let mask = table.count - 1
                var i = Int(truncatingIfNeeded: h) & mask
                while true {
                    let b = table[i]
                    if b.slot < 0 { return -1 - i }
                    if b.hash == h {
                        let o = Int(b.offset)
                        let n = Int(keyBytes[o]) | Int(keyBytes[o + 1]) << 8
                        if n == bytes.count && (n == 0 || memcmp(keyBytes.baseAddress! + o + 2, bytes.baseAddress!, n) == 0) {
                            return Int(b.slot)
                        }
                    }
                    i = (i + 1) & mask
                }
            }
        }
        if let found, found >= 0 { return found }
        let bucket = -1 - found!
        let n = keys.count
        buckets[bucket] = Bucket(hash: h, slot: Int32(n), offset: UInt32(arena.count))
        arena.append(UInt8(truncatingIfNeeded: bytes.count))
        arena.append(UInt8(truncatingIfNeeded: bytes.count >> 8))
        arena.append(contentsOf: bytes)
        let key = TableKey(Array(bytes))
        keys.append(key)
        var p: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &p) { out in
            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<min(16, bytes.count)]))
        }
        prefixes.append((UInt64(bigEndian: p.0), UInt64(bigEndian: p.1)))
        if keys.count * 2 > buckets.count { grow() }
        return n
    }

    private func grow() {
        let old = buckets
        buckets = [Bucket](repeating: Bucket(), count: old.count * 2)
        let mask = buckets.count - 1
        for b in old where b.slot >= 0 {
            var i = Int(truncatingIfNeeded: b.hash) & mask
            while buckets[i].slot >= 0 { i = (i + 1) & mask }
            buckets[i] = b
        }
    }

    /// Whether customer `a`'s key sorts before `b`'s.
    @inline(__always)
    func precedes(_ a: Int, _ b: Int) -> Bool {
        let x = prefixes[a], y = prefixes[b]
        if x.0 != y.0 { return x.0 < y.0 }
        if x.1 != y.1 { return x.1 < y.1 }
        return TableKey.precedes(keys[a], keys[b])
    }

    func removeAll() {
        keys.removeAll()
        prefixes.removeAll()
        arena.removeAll()
        buckets = [Bucket](repeating: Bucket(), count: 1024)
    }
}

#if canImport(Glibc)
import Glibc
#endif
