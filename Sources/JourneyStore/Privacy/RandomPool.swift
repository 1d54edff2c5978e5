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

    private struct Buffer {
        var bytes = [UInt8](repeating: 0, count: 12 * 1024)
        var used = 12 * 1024
    }
    private let buffer = Mutex(Buffer())

    /// A fresh nonce.
    func nonce() -> AES.GCM.Nonce {
        try! AES.GCM.Nonce(data: take(12))
    }

    /// A fresh 256-bit data key.
    func key() -> SymmetricKey {
        SymmetricKey(data: take(32))
    }

    private func take(_ count: Int) -> [UInt8] {
        buffer.withLock { b in
            if b.used + count > b.bytes.count {
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
            defer { b.used += count }
            let out = Array(b.bytes[b.used..<(b.used + count)])
            for i in b.used..<(b.used + count) { b.bytes[i] = 0 }
            return out
        }
    }
}
