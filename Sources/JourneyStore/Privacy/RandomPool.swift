import Crypto
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Random AES-GCM nonces and data keys, drawn from the operating system's random source
/// (`getentropy`) 12 KiB at a time instead of one system call per 8 bytes (which cost as much
/// as the sealing itself).
///
/// Nonces are random (96 bits), never counters: several processes may seal under the same
/// customer key, and a customer key seals far fewer than the 2³² messages NIST allows a key
/// with random nonces. Bytes handed out are never handed out again, and are zeroed in the pool
/// as they leave it.
final class RandomPool: Sendable {
    static let shared = RandomPool()

    private static let size = 12 * 1024
    private struct Buffer {
        var bytes = [UInt8](repeating: 0, count: RandomPool.size)
        var used = RandomPool.size
    }
    private let buffer = Mutex(Buffer())

    /// A fresh 256-bit data key.
    func key() -> SymmetricKey {
        var raw = [UInt8](repeating: 0, count: 32)
        raw.withUnsafeMutableBytes { fill($0) }
        defer { for i in raw.indices { raw[i] = 0 } }
        return SymmetricKey(data: raw)
    }

    /// Fills `out` with fresh random bytes (a nonce, a key).
    func fill(_ out: UnsafeMutableRawBufferPointer) {
        let count = out.count
        guard count > 0 else { return }
        precondition(count <= Self.size, "at most \(Self.size) random bytes at a time")
        buffer.withLock { b in
            if b.used + count > Self.size {
                b.bytes.withUnsafeMutableBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        // getentropy gives at most 256 bytes per call and fails only for a bad
                        // buffer; a failure here would mean nonces could repeat, so stop.
                        guard getentropy(raw.baseAddress! + offset, min(256, raw.count - offset)) == 0 else {
                            fatalError("getentropy failed (errno \(errno)): no safe random nonces")
                        }
                        offset += 256
                    }
                }
                b.used = 0
            }
            b.bytes.withUnsafeMutableBytes { raw in
                let from = raw.baseAddress! + b.used
                out.baseAddress!.copyMemory(from: from, byteCount: count)
                from.initializeMemory(as: UInt8.self, repeating: 0, count: count)
            }
            b.used += count
        }
    }
}
