import Crypto

/// A SHA-256 value in the log's tamper-evidence chain.
///
/// Record *n*'s hash is `SHA-256(hash(n−1) ‖ stored bytes of n without its hash)`; the hash
/// before position 1 is all zeros. Changing, removing or reordering any record changes every
/// hash after it.
public struct ChainHash: Sendable, Hashable, CustomStringConvertible {
    var words: (UInt64, UInt64, UInt64, UInt64)

    /// All zeros: the hash "before" position 1.
    public static let genesis = ChainHash(words: (0, 0, 0, 0))

    init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// Reads 32 bytes.
    init(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= 32)
        words = (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                 bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                 bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                 bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Writes the 32 bytes at `to`.
    func write(to: UnsafeMutableRawPointer) {
        withUnsafeBytes(of: words) { to.copyMemory(from: $0.baseAddress!, byteCount: 32) }
    }

    /// The next link: `SHA-256(self ‖ body)`.
    func next(over body: UnsafeRawBufferPointer) -> ChainHash {
        var h = SHA256()
        withUnsafeBytes(of: words) { h.update(bufferPointer: $0) }
        h.update(bufferPointer: body)
        return h.finalize().withUnsafeBytes { ChainHash($0) }
    }

    public static func == (a: ChainHash, b: ChainHash) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0); hasher.combine(words.1); hasher.combine(words.2); hasher.combine(words.3)
    }

    /// Lower-case hex, 64 characters.
    public var hex: String {
        withUnsafeBytes(of: words) { raw in
            raw.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
        }
    }

    public var description: String { hex }
}

/// The 16-byte key of an event id in the idempotency index: the first half of `SHA-256(id)`.
/// Fixed-size, short keys keep the index dense whatever the ids look like (and ids up to
/// 128 characters can exceed LMDB's 511-byte key limit). A hit is always confirmed against
/// the id stored in the record.
struct EventIDKey: Hashable, Comparable {
    /// The key's bytes as two big-endian numbers, so numeric order is the index's byte order.
    let high: UInt64
    let low: UInt64

    init(_ id: String) {
        var s = id
        let digest = s.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        (high, low) = digest.withUnsafeBytes {
            (UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    static func < (a: EventIDKey, b: EventIDKey) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Runs `body` with the 16 key bytes.
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var k = (high.bigEndian, low.bigEndian)
        return try withUnsafeBytes(of: &k, body)
    }
}
