import Crypto

/// The key under which a customer's entries are stored in every index and view: the id's UTF-8
/// bytes, or `0xFF` followed by the SHA-256 of the bytes when they are longer than
/// ``maxInlineBytes`` (LMDB keys are at most 511 bytes, and views prefix a byte or two).
public enum CustomerKey {
    /// The longest id kept as it is (480 bytes).
    public static let maxInlineBytes = 480

    /// The key of a customer id.
    public static func of(_ customerId: String) -> [UInt8] {
        let utf8 = Array(customerId.utf8)
        return utf8.count <= maxInlineBytes ? utf8 : hashed(utf8)
    }

    /// The key from the id's UTF-8 bytes (e.g. straight from a record).
    public static func of(bytes: UnsafeRawBufferPointer) -> [UInt8] {
        bytes.count <= maxInlineBytes ? Array(bytes) : hashed(Array(bytes))
    }

    /// The first byte of an anonymous visitor's key (see ``StreamID/key``).
    public static let anonymousPrefix: UInt8 = 0x01

    /// The key of an anonymous visitor's stream from the id's UTF-8 bytes.
    public static func anonymous(_ utf8: [UInt8]) -> [UInt8] {
        [anonymousPrefix] + (utf8.count < maxInlineBytes ? utf8 : hashed(utf8))
    }

    /// The key of a record's stream: its customer's, or (with no customer) its visitor's.
    public static func ofStream(customer: UnsafeRawBufferPointer, anonymous: UnsafeRawBufferPointer) -> [UInt8] {
        customer.isEmpty ? Self.anonymous(Array(anonymous)) : of(bytes: customer)
    }

    /// Calls `body` with ``ofStream(customer:anonymous:)``, building no array when the key is
    /// the customer id as it is (the common case).
    package static func withStreamKey<R>(customer: UnsafeRawBufferPointer, anonymous: UnsafeRawBufferPointer,
                                        _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if !customer.isEmpty && customer.count <= maxInlineBytes { return try body(customer) }
        return try ofStream(customer: customer, anonymous: anonymous).withUnsafeBytes(body)
    }

    private static func hashed(_ utf8: [UInt8]) -> [UInt8] {
        var key: [UInt8] = [0xFF]
        key.append(contentsOf: SHA256.hash(data: utf8))
        return key
    }
}
