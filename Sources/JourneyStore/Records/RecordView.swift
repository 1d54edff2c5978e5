public import JourneyJSON
/// A read-only view of one stored record, straight from the memory map (no copy, no JSON).
///
/// Record formats 1, 2 and 3, little-endian (format 3 adds the visitor id and the record kind;
/// formats 1 and 2 are read as they are):
///
/// | offset | size | field |
/// | --- | --- | --- |
/// | 0 | 1 | format (2; 1 before encryption) |
/// | 1 | 1 | flags: 1 occurredAt was sent, 2 sentiment, 4 touchpoint, 8 channel, 16 properties, 32 properties sealed (format 2), 64 erasure record (format 2) |
/// | 2 | 2×5 | byte lengths of id, customerId, type, touchpoint, channel |
/// | 12 | 4 | byte length of properties |
/// | 16 | 8 | occurredAt, ms since epoch |
/// | 24 | 8 | recordedAt, ms since epoch |
/// | 32 | 8 | version within the customer's stream |
/// | 40 | 8 | sentiment (IEEE 754 double) |
/// | 48 | 2 | format 3: byte length of anonymousId |
/// | 50 | 1 | format 3: kind: 0 event, 1 erasure, 2 identity merge, 3 identity unmerge |
/// | 51 | 1 | format 3: zero |
/// | 48 (52) | … | id, customerId (may be empty in format 3), anonymousId (format 3), type, touchpoint, channel (UTF-8), properties (compact JSON, or sealed: nonce ‖ AES-GCM ciphertext ‖ tag under the stream's data key) |
/// | end − 32 | 32 | chain hash |
///
/// Valid only inside the transaction that produced its bytes. A view the store made for reading
/// (see ``EventStore/withReadable(_:in:_:)``) has sealed properties opened, or, when the
/// customer's key was erased, none and the `redacted` flag (128, never stored).
public struct RecordView {
    /// The whole stored value, chain hash included.
    public let bytes: UnsafeRawBufferPointer
    let customerStart: Int
    let anonymousStart: Int
    let typeStart: Int
    let touchpointStart: Int
    let channelStart: Int
    let propertiesStart: Int
    let propertiesEnd: Int

    /// The header of formats 1 and 2; format 3 adds ``extraHeaderSize``.
    static let headerSize = 48
    static let extraHeaderSize = 4
    package static let hashSize = 32
    static let currentFormat: UInt8 = 3

    /// What a record is (format 3; older records are events, or erasures by their flag).
    public enum Kind: UInt8, Sendable {
        case event = 0
        case erasure = 1
        /// An explicit merge of two identities (``EventLog/merge``).
        case merge = 2
        /// The reverse of a merge.
        case unmerge = 3
    }

    enum Flag {
        static let occurredAtSent: UInt8 = 1
        static let sentiment: UInt8 = 2
        static let touchpoint: UInt8 = 4
        static let channel: UInt8 = 8
        static let properties: UInt8 = 16
        static let sealed: UInt8 = 32
        static let erasure: UInt8 = 64
        static let redacted: UInt8 = 128
    }

    /// Checks the structure (format, lengths) and returns a view, or `nil` when it does not decode.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.headerSize + Self.hashSize, (1...3).contains(bytes[0]) else { return nil }
        let v3 = bytes[0] == 3
        guard !v3 || bytes.count >= Self.headerSize + Self.extraHeaderSize + Self.hashSize else { return nil }
        self.bytes = bytes
        let idLen = Int(bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self).littleEndian)
        let custLen = Int(bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self).littleEndian)
        let typeLen = Int(bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self).littleEndian)
        let tpLen = Int(bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self).littleEndian)
        let chLen = Int(bytes.loadUnaligned(fromByteOffset: 10, as: UInt16.self).littleEndian)
        let propLen = Int(bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian)
        let anonLen = v3 ? Int(bytes.loadUnaligned(fromByteOffset: 48, as: UInt16.self).littleEndian) : 0
        customerStart = (v3 ? Self.headerSize + Self.extraHeaderSize : Self.headerSize) + idLen
        anonymousStart = customerStart + custLen
        typeStart = anonymousStart + anonLen
        touchpointStart = typeStart + typeLen
        channelStart = touchpointStart + tpLen
        propertiesStart = channelStart + chLen
        propertiesEnd = propertiesStart + propLen
        guard propertiesEnd + Self.hashSize == bytes.count, idLen > 0, custLen > 0 || anonLen > 0, typeLen > 0 else { return nil }
        let f = bytes[1]
        guard bytes[0] >= 2 || f & 0xE0 == 0,
              !v3 || Kind(rawValue: bytes[50]) != nil,
              (f & Flag.sealed == 0) || (f & Flag.properties != 0),
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

    public var idBytes: UnsafeRawBufferPointer { slice(bytes[0] == 3 ? Self.headerSize + Self.extraHeaderSize : Self.headerSize, customerStart) }
    /// The customer's id (empty for an anonymous visitor's event).
    public var customerIdBytes: UnsafeRawBufferPointer { slice(customerStart, anonymousStart) }
    /// The anonymous visitor's id (empty when the event names none).
    public var anonymousIdBytes: UnsafeRawBufferPointer { slice(anonymousStart, typeStart) }
    public var typeBytes: UnsafeRawBufferPointer { slice(typeStart, touchpointStart) }
    public var touchpointBytes: UnsafeRawBufferPointer? { flags & Flag.touchpoint != 0 ? slice(touchpointStart, channelStart) : nil }
    public var channelBytes: UnsafeRawBufferPointer? { flags & Flag.channel != 0 ? slice(channelStart, propertiesStart) : nil }
    /// The compact JSON text of `properties`, when present and readable (`nil` while sealed:
    /// see ``isSealed``).
    public var propertiesBytes: UnsafeRawBufferPointer? {
        flags & (Flag.properties | Flag.sealed) == Flag.properties ? slice(propertiesStart, propertiesEnd) : nil
    }
    /// The stored properties bytes as they are (sealed or not).
    var storedPropertiesBytes: UnsafeRawBufferPointer? { flags & Flag.properties != 0 ? slice(propertiesStart, propertiesEnd) : nil }
    /// Whether `properties` are stored sealed under the customer's data key.
    public var isSealed: Bool { flags & Flag.sealed != 0 }
    /// Whether this is an erasure record (appended when the customer was erased).
    public var isErasure: Bool { flags & Flag.erasure != 0 }
    /// What the record is: an event, an erasure, or an identity merge or unmerge.
    public var kind: Kind {
        if bytes[0] == 3 { return Kind(rawValue: bytes[50]) ?? .event }
        return isErasure ? .erasure : .event
    }
    /// An identity merge or unmerge: a record of the identity graph, not an interaction.
    public var isIdentityRecord: Bool { kind == .merge || kind == .unmerge }
    /// Whether this view's personal fields were removed because the customer was erased.
    public var isRedacted: Bool { flags & Flag.redacted != 0 }

    public var id: String { String(decoding: idBytes, as: UTF8.self) }
    /// The customer's id; empty for an anonymous visitor's event (see ``stream``).
    public var customerId: String { String(decoding: customerIdBytes, as: UTF8.self) }
    public var anonymousId: String? { anonymousIdBytes.isEmpty ? nil : String(decoding: anonymousIdBytes, as: UTF8.self) }
    /// The stream the record is in: its customer's, or its visitor's.
    public var stream: StreamID {
        customerIdBytes.isEmpty ? .anonymous(String(decoding: anonymousIdBytes, as: UTF8.self)) : .customer(customerId)
    }
    /// The key of ``stream`` (see ``StreamID/key``), straight from the bytes.
    public var streamKey: [UInt8] { CustomerKey.ofStream(customer: customerIdBytes, anonymous: anonymousIdBytes) }
    public var type: String { String(decoding: typeBytes, as: UTF8.self) }
    public var touchpoint: String? { touchpointBytes.map { String(decoding: $0, as: UTF8.self) } }
    public var channel: String? { channelBytes.map { String(decoding: $0, as: UTF8.self) } }
    public var properties: JSONObjectText? { propertiesBytes.map { JSONObjectText(trustedCompact: Array($0)) } }

    /// A copy for reading: `properties` replaced by `opened` (plaintext), or removed and the copy
    /// marked redacted when `opened` is `nil`. The stored chain hash stays, no longer matching.
    func readableCopy(properties opened: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        out.append(contentsOf: slice(0, propertiesStart))
        var f = flags & ~Flag.sealed
        if let opened {
            out.append(contentsOf: opened)
        } else {
            f = (f & ~Flag.properties) | Flag.redacted
        }
        out.append(contentsOf: slice(bytes.count - Self.hashSize, bytes.count))
        out[1] = f
        withUnsafeBytes(of: UInt32(opened?.count ?? 0).littleEndian) { for i in 0..<4 { out[12 + i] = $0[i] } }
        return out
    }
}

extension RecordView {
    /// The `kept` text of an erasure record: what the layers above asked the erasure to keep
    /// (see ``EventLog/erase(_:by:reason:kept:expectedVersion:)``); `nil` for other records.
    public var erasureKeptText: String? {
        guard isErasure, let p = propertiesBytes, case .object(let o)? = JSONValue.parse(p), case .string(let s)? = o["kept"] else { return nil }
        return s
    }
}
