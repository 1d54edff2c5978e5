/// Bytes as a dictionary key, hashed in one pass (`[UInt8]` hashes byte by byte, which was a
/// tenth of the encrypted ingest's time).
struct ByteKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
