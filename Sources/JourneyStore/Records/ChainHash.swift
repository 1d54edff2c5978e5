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
    package init(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= 32)
        words = (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                 bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                 bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                 bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Writes the 32 bytes at `to`.
    package func write(to: UnsafeMutableRawPointer) {
        withUnsafeBytes(of: words) { to.copyMemory(from: $0.baseAddress!, byteCount: 32) }
    }

    /// The next link: `SHA-256(self ‖ body)`.
    package func next(over body: UnsafeRawBufferPointer) -> ChainHash {
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

    /// A hash from its 64 hex digits (as ``hex`` prints it); `nil` for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            guard let b = UInt8(String(decoding: digits[2 * i..<2 * i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes[i] = b
        }
        self = bytes.withUnsafeBytes { ChainHash($0) }
    }
}

/// The key of an event id in the idempotency index (17 bytes).
///
/// A canonical lower-case UUID (`8-4-4-4-12` hex digits, as the store generates) is keyed by its
/// 16 bytes behind the tag `u`: time-ordered UUIDs (version 7, the store's own) then land at the
/// end of the index, so a commit dirties one page for them instead of one page each. Any other
/// id is keyed by the first 16 bytes of its SHA-256 behind the tag `h`: short, fixed-size keys
/// whatever the ids look like (ids of 128 characters can exceed LMDB's 511-byte key limit).
/// A hit is always confirmed against the id stored in the record.
struct EventIDKey: Hashable, Comparable, Sendable {
    let tag: UInt8
    /// The 16 bytes as two big-endian numbers, so numeric order is the index's byte order.
    let high: UInt64
    let low: UInt64

    static let uuidTag: UInt8 = 0x75
    static let hashTag: UInt8 = 0x68

    init(_ id: String) {
        var s = id
        let parsed: (UInt64, UInt64)? = s.withUTF8 { Self.canonicalUUID($0) }
        if let (h, l) = parsed {
            tag = Self.uuidTag
            high = h
            low = l
            return
        }
        let digest = s.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        tag = Self.hashTag
        (high, low) = digest.withUnsafeBytes {
            (UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// The 128 bits of a canonical lower-case UUID string, or `nil`.
    static func canonicalUUID(_ u: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard u.count == 36, u[8] == 0x2D, u[13] == 0x2D, u[18] == 0x2D, u[23] == 0x2D else { return nil }
        // Groups of 8-4-4-4-12 digits: the first three fill the high word, the last two the low.
        var high: UInt64 = 0, low: UInt64 = 0
        guard hex(u, 0, 8, &high), hex(u, 9, 4, &high), hex(u, 14, 4, &high),
              hex(u, 19, 4, &low), hex(u, 24, 12, &low) else { return nil }
        return (high, low)
    }

    /// Shifts `count` lower-case hex digits of `u` from `start` into `word`; false at any other byte.
    @inline(__always)
    private static func hex(_ u: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int, _ word: inout UInt64) -> Bool {
        var w = word
        for i in start..<(start + count) {
            let c = u[i]
            let digit = c &- 0x30
            let letter = c &- 0x61
            if digit < 10 {
                w = w << 4 | UInt64(digit)
            } else if letter < 6 {
                w = w << 4 | UInt64(letter + 10)
            } else {
                return false
            }
        }
        word = w
        return true
    }

    static func < (a: EventIDKey, b: EventIDKey) -> Bool {
        if a.tag != b.tag { return a.tag < b.tag }
        return a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Runs `body` with the 17 key bytes.
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var k = (tag, high.bigEndian, low.bigEndian)
        return try withUnsafeBytes(of: &k) { raw in
            // The tuple is padded: tag at 0, the words at 8 and 16. Pack them.
            var packed = (UInt64(0), UInt64(0), UInt8(0), UInt8(0))
            return try withUnsafeMutableBytes(of: &packed) { p in
                p[0] = raw[0]
                p.baseAddress!.advanced(by: 1).copyMemory(from: raw.baseAddress!.advanced(by: 8), byteCount: 16)
                return try body(UnsafeRawBufferPointer(rebasing: p[0..<17]))
            }
        }
    }
}
