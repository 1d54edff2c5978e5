import Crypto
import LMDBKit

/// The named LMDB databases of the log and how their keys are laid out.
///
/// | database | key | value |
/// | --- | --- | --- |
/// | `events` | position, UInt64 big-endian | record (``RecordView``) |
/// | `customers` | customerId UTF-8 (or 0xFF ‖ SHA-256 when over 480 bytes) | customer number, UInt64 BE |
/// | `streams` | customer number BE | positions BE, as sorted duplicates (k-th = version k) |
/// | `event-ids` | first 16 bytes of SHA-256(id) | position BE |
/// | `meta` | name | format version; chain head (position BE ‖ hash) |
///
/// Customers are numbered in order of first appearance, so a new customer's stream goes at the
/// end of `streams`; a customer's positions are packed together (see ``StreamIndex``).
struct StoreLayout: Sendable {
    let events: Database
    let customers: Database
    let streams: Database
    let eventIds: Database
    let meta: Database

    static let formatVersion: UInt32 = 1

    enum MetaKey {
        static let format: [UInt8] = Array("format".utf8)
        static let chainHead: [UInt8] = Array("chain-head".utf8)
    }

    /// Opens (creating when allowed) the databases and checks the format version.
    static func open(_ env: Environment, create: Bool) throws -> StoreLayout {
        try env.write { txn in
            let flags: Database.Flags = create ? [.create] : []
            let layout = StoreLayout(
                events: try txn.openDatabase("events", flags: flags),
                customers: try txn.openDatabase("customers", flags: flags),
                streams: try txn.openDatabase("streams", flags: flags.union([.dupSort, .dupFixed])),
                eventIds: try txn.openDatabase("event-ids", flags: flags),
                meta: try txn.openDatabase("meta", flags: flags))
            if let f = try txn.get(layout.meta, key: MetaKey.format) {
                guard f.count == 4 else { throw StoreError(.corrupt, "store metadata: format record has \(f.count) bytes, expected 4") }
                let v = UInt32(littleEndian: f.loadUnaligned(as: UInt32.self))
                guard v == formatVersion else {
                    throw StoreError(.corrupt, "store format \(v) is not supported by this build (it reads format \(formatVersion))")
                }
            } else {
                var v = formatVersion.littleEndian
                try withUnsafeBytes(of: &v) { vb in
                    try MetaKey.format.withUnsafeBytes { try txn.put(layout.meta, key: $0, value: vb) }
                }
            }
            return layout
        }
    }

    /// The `customers` key of a customer id.
    static func customerKey(_ customerId: String) -> [UInt8] {
        let utf8 = Array(customerId.utf8)
        if utf8.count <= 480 { return utf8 }
        var key: [UInt8] = [0xFF]
        key.append(contentsOf: SHA256.hash(data: utf8))
        return key
    }
}

extension Transaction {
    /// The big-endian UInt64 stored as a value.
    @inline(__always)
    static func uint64(_ value: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bigEndian: value.loadUnaligned(as: UInt64.self))
    }
}
