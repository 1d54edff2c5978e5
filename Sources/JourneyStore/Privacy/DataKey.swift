// swift-crypto's own BoringSSL, the code `AES.GCM` runs: its C API is imported here and in no
// other file, because `AES.GCM.seal` builds (and frees) an AEAD context, a key schedule and
// GHASH tables, and three `Data` values for every message, which cost twenty times the
// cipher on the store's short properties. The context built once per key removes all of that.
internal import CCryptoBoringSSL
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A customer's data key, ready to seal and open: AES-256-GCM with the context (key schedule
/// and GHASH key) built once, when the key is made or unwrapped, and its wrapped form (the
/// `customer-keys` value that stores it).
///
/// Sealed bytes are `nonce(12) ‖ ciphertext ‖ tag(16)`, the customer key authenticated with
/// them: exactly what `AES.GCM.SealedBox.combined` holds, so records sealed by earlier builds
/// open here and the other way round.
///
/// `@unchecked Sendable`: the context is written once, in `init`, and freed in `deinit`;
/// BoringSSL documents `EVP_AEAD_CTX_seal` and `EVP_AEAD_CTX_open` as safe to call
/// concurrently on one context (`aead.h`), and they are the only calls made on it after `init`.
/// The rest is immutable or atomic.
final class DataKey: @unchecked Sendable {
    /// Bytes sealing adds to a plaintext: the nonce and the tag.
    static let overhead = 12 + 16
    static let keySize = 32

    /// The `customer-keys` value storing this key: it identifies the key (two processes that
    /// make a key for the same new customer make different ones and tell them apart by these).
    let wrapped: [UInt8]
    /// The writer's ``WriterCache/keysGeneration`` when it last saw this key stored for its
    /// customer (0: never): while that generation lasts, appends sealed with this key need no
    /// look-up in `customer-keys`.
    let confirmed = Atomic<UInt64>(0)
    private let context: UnsafeMutablePointer<EVP_AEAD_CTX>

    /// `raw`: the 32 key bytes.
    init(raw: UnsafeRawBufferPointer, wrapped: [UInt8]) {
        precondition(raw.count == Self.keySize, "a data key has \(Self.keySize) bytes")
        self.wrapped = wrapped
        context = .allocate(capacity: 1)
        CCryptoBoringSSL_EVP_AEAD_CTX_zero(context)
        // Fails only for a wrong key length (checked above) or no memory.
        guard CCryptoBoringSSL_EVP_AEAD_CTX_init(
            context, CCryptoBoringSSL_EVP_aead_aes_256_gcm(), raw.baseAddress!.assumingMemoryBound(to: UInt8.self),
            raw.count, Int(EVP_AEAD_DEFAULT_TAG_LENGTH), nil) == 1
        else { fatalError("EVP_AEAD_CTX_init failed for AES-256-GCM") }
    }

    deinit {
        CCryptoBoringSSL_EVP_AEAD_CTX_cleanup(context)
        context.deallocate()
    }

    /// Seals `plaintext` into `out` (exactly `plaintext.count + overhead` bytes) under a fresh
    /// random nonce, authenticating `customer` with it.
    func seal(_ plaintext: UnsafeRawBufferPointer, customer: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count == plaintext.count + Self.overhead, "sealed size")
        let base = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        RandomPool.shared.fill(UnsafeMutableRawBufferPointer(start: base, count: 12))
        var written = 0
        // Fails only when `out` is too small, which the precondition rules out.
        guard CCryptoBoringSSL_EVP_AEAD_CTX_seal(
            context, base + 12, &written, out.count - 12, base, 12,
            plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), plaintext.count,
            customer.baseAddress?.assumingMemoryBound(to: UInt8.self), customer.count) == 1,
            written == out.count - 12
        else { fatalError("EVP_AEAD_CTX_seal failed") }
    }

    /// `plaintext` sealed, as a new array.
    func seal(_ plaintext: [UInt8], customer: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: plaintext.count + Self.overhead) { buf, count in
            plaintext.withUnsafeBytes { p in
                customer.withUnsafeBytes { c in seal(p, customer: c, into: UnsafeMutableRawBufferPointer(buf)) }
            }
            count = plaintext.count + Self.overhead
        }
    }

    /// The plaintext of `sealed`, or `nil` when it does not open (another key or customer,
    /// damage, too short).
    func open(_ sealed: UnsafeRawBufferPointer, customer: UnsafeRawBufferPointer) -> [UInt8]? {
        guard sealed.count >= Self.overhead else { return nil }
        let base = sealed.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let count = sealed.count - Self.overhead
        var ok = false
        let plain = [UInt8](unsafeUninitializedCapacity: max(count, 1)) { buf, n in
            var written = 0
            ok = CCryptoBoringSSL_EVP_AEAD_CTX_open(
                context, buf.baseAddress, &written, count, base, 12, base + 12, sealed.count - 12,
                customer.baseAddress?.assumingMemoryBound(to: UInt8.self), customer.count) == 1 && written == count
            n = ok ? count : 0
        }
        return ok ? plain : nil
    }
}
