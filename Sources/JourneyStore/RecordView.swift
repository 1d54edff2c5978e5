/// A read-only view of one stored record, straight from the memory map (no copy, no JSON).
///
/// Record format 1, little-endian:
///
/// | offset | size | field |
/// | --- | --- | --- |
/// | 0 | 1 | format (1) |
/// | 1 | 1 | flags: 1 occurredAt was sent, 2 sentiment, 4 touchpoint, 8 channel, 16 properties |
/// | 2 | 2×5 | byte lengths of id, customerId, type, touchpoint, channel |
/// | 12 | 4 | byte length of properties |
/// | 16 | 8 | occurredAt, ms since epoch |
/// | 24 | 8 | recordedAt, ms since epoch |
/// | 32 | 8 | version within the customer's stream |
/// | 40 | 8 | sentiment (IEEE 754 double) |
/// | 48 | … | id, customerId, type, touchpoint, channel (UTF-8), properties (compact JSON) |
/// | end − 32 | 32 | chain hash |
///
/// Valid only inside the transaction that produced its bytes.
public struct RecordView {
    /// The whole stored value, chain hash included.
    public let bytes: UnsafeRawBufferPointer
    let customerStart: Int
    let typeStart: Int
    let touchpointStart: Int
    let channelStart: Int
    let propertiesStart: Int
    let propertiesEnd: Int

    static let headerSize = 48
    static let hashSize = 32
    static let currentFormat: UInt8 = 1

    enum Flag {
        static let occurredAtSent: UInt8 = 1
        static let sentiment: UInt8 = 2
        static let touchpoint: UInt8 = 4
        static let channel: UInt8 = 8
        static let properties: UInt8 = 16
    }

    /// Checks the structure (format, lengths) and returns a view, or `nil` when it does not decode.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.headerSize + Self.hashSize, bytes[0] == Self.currentFormat else { return nil }
        self.bytes = bytes
        let idLen = Int(bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self).littleEndian)
        let custLen = Int(bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self).littleEndian)
        let typeLen = Int(bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self).littleEndian)
        let tpLen = Int(bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self).littleEndian)
        let chLen = Int(bytes.loadUnaligned(fromByteOffset: 10, as: UInt16.self).littleEndian)
        let propLen = Int(bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian)
        customerStart = Self.headerSize + idLen
        typeStart = customerStart + custLen
        touchpointStart = typeStart + typeLen
        channelStart = touchpointStart + tpLen
        propertiesStart = channelStart + chLen
        propertiesEnd = propertiesStart + propLen
        guard propertiesEnd + Self.hashSize == bytes.count, idLen > 0, custLen > 0, typeLen > 0 else { return nil }
        let f = bytes[1]
        guard f & 0xE0 == 0,
              (f & Flag.touchpoint != 0) || tpLen == 0,
              (f & Flag.channel != 0) || chLen == 0,
              (f & Flag.properties != 0) || propLen == 0
        else { return nil }
    }

    @inline(__always) var flags: UInt8 { bytes[1] }

    @inline(__always) func slice(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[from..<to])
    }

    /// The record's bytes without the chain hash (what the hash covers).
    public var body: UnsafeRawBufferPointer { slice(0, bytes.count - Self.hashSize) }
    /// The stored chain hash.
    public var chainHash: ChainHash { ChainHash(slice(bytes.count - Self.hashSize, bytes.count)) }

    public var occurredAt: Timestamp { Timestamp(milliseconds: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: Int64.self))) }
    /// Whether the client sent `occurredAt` (otherwise it defaulted to the time received).
    public var occurredAtWasSent: Bool { flags & Flag.occurredAtSent != 0 }
    public var recordedAt: Timestamp { Timestamp(milliseconds: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: Int64.self))) }
    public var version: UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 32, as: UInt64.self)) }
    public var sentiment: Double? {
        guard flags & Flag.sentiment != 0 else { return nil }
        return Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 40, as: UInt64.self)))
    }

    public var idBytes: UnsafeRawBufferPointer { slice(Self.headerSize, customerStart) }
    public var customerIdBytes: UnsafeRawBufferPointer { slice(customerStart, typeStart) }
    public var typeBytes: UnsafeRawBufferPointer { slice(typeStart, touchpointStart) }
    public var touchpointBytes: UnsafeRawBufferPointer? { flags & Flag.touchpoint != 0 ? slice(touchpointStart, channelStart) : nil }
    public var channelBytes: UnsafeRawBufferPointer? { flags & Flag.channel != 0 ? slice(channelStart, propertiesStart) : nil }
    /// The compact JSON text of `properties`, when present.
    public var propertiesBytes: UnsafeRawBufferPointer? { flags & Flag.properties != 0 ? slice(propertiesStart, propertiesEnd) : nil }

    public var id: String { String(decoding: idBytes, as: UTF8.self) }
    public var customerId: String { String(decoding: customerIdBytes, as: UTF8.self) }
    public var type: String { String(decoding: typeBytes, as: UTF8.self) }
    public var touchpoint: String? { touchpointBytes.map { String(decoding: $0, as: UTF8.self) } }
    public var channel: String? { channelBytes.map { String(decoding: $0, as: UTF8.self) } }
    public var properties: JSONObjectText? { propertiesBytes.map { JSONObjectText(trustedCompact: Array($0)) } }
}
