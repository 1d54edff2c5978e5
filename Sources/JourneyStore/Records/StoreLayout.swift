import Crypto
import Foundation
import LMDBKit

/// The named LMDB databases of the log and how their keys are laid out.
///
/// | database | key | value |
/// | --- | --- | --- |
/// | `events` | position, UInt64 big-endian | record (``RecordView``) |
/// | `customers` | stream key (``StreamID/key``: a customer's id UTF-8, or 0xFF ‖ SHA-256 when over 480 bytes; a visitor's 0x01 ‖ …) | stream number, UInt64 BE |
/// | `streams` | customer number BE | positions BE, as sorted duplicates (k-th = version k) |
/// | `event-ids` | ``EventIDKey``: `u` ‖ the 16 bytes of a canonical lower-case UUID, or `h` ‖ first 16 bytes of SHA-256(id) | position BE |
/// | `meta` | name | format version; chain head (position BE ‖ hash); master-key check |
/// | `customer-keys` | stream key | wrapped data key, or a tombstone (``CustomerKeys``) |
/// | `erasures` | stream key | position of the erasure record BE |
/// | `links` | stream key | linked stream key ‖ position BE, sorted duplicates (both directions) |
///
/// Customers are numbered in order of first appearance, so a new customer's stream goes at the
/// end of `streams`; a customer's positions are packed together (see ``StreamIndex``).
struct StoreLayout: Sendable {
    let events: Database
    let customers: Database
    let streams: Database
    let eventIds: Database
    let meta: Database
    /// Each customer's wrapped data key, or a tombstone once erased (see ``CustomerKeys``).
    let customerKeys: Database
    /// Erased streams: stream key → position of the erasure record (BE).
    let erasures: Database
    /// The identity links now in force: stream key → the keys it is linked to directly, as
    /// sorted duplicates `other key ‖ position of the record that linked them (BE)`; both
    /// directions are kept. Unmerges remove them.
    let links: Database
    /// Whether the store was opened in an older format, for reading only (a migration's source).
    let legacyFormat: UInt32?

    /// Format 4 (this build): the views live in their own environment (`views/data.mdb`), not
    /// in this file; builds before it refuse the store (they would not find its views). Format 3
    /// (views here; records may name an anonymous visitor and be identity merges or unmerges;
    /// `links`) becomes 4 when the journey layer first opens it and moves its views out, with
    /// the store to itself. Format 2 (sealed `properties`, erasures, `customer-keys`,
    /// `erasures`) becomes 3 in place when opened (it lacks only `links`). Format 1 (before
    /// encryption) is read only as the source of `journeyctl migrate`.
    static let formatVersion: UInt32 = 4

    /// The format recorded in `meta` (as seen by `txn`).
    func storedFormat(in txn: Transaction) throws -> UInt32 {
        guard let f = try txn.get(meta, key: MetaKey.format), f.count == 4 else { return Self.formatVersion }
        return UInt32(littleEndian: f.loadUnaligned(as: UInt32.self))
    }

    /// Records `format` in `meta`.
    func setFormat(_ format: UInt32, in txn: Transaction) throws {
        var v = format.littleEndian
        try withUnsafeBytes(of: &v) { vb in
            try MetaKey.format.withUnsafeBytes { try txn.put(meta, key: $0, value: vb) }
        }
    }

    enum MetaKey {
        static let format: [UInt8] = Array("format".utf8)
        static let chainHead: [UInt8] = Array("chain-head".utf8)
        /// `fingerprint (12 ASCII hex) ‖ sealed check value`, present when the store is encrypted.
        static let keyCheck: [UInt8] = Array("key-check".utf8)
    }

    /// How a store is opened with respect to encryption.
    struct Opening {
        var masterKey: MasterKey?
        /// Create a new store without a master key (default: allowed at this level).
        var allowUnencrypted = true
        /// Accept format 1 for reading (the source of a migration).
        var allowLegacy = false
    }

    /// Opens (creating when allowed) the databases and checks the format version and the master
    /// key. Nothing is written when a check fails.
    static func open(_ env: Environment, create: Bool, opening: Opening = Opening()) throws -> (StoreLayout, CustomerKeys?) {
        try env.write { txn in
            let flags: Database.Flags = create ? [.create] : []
            let meta = try txn.openDatabase("meta", flags: flags)
            var format = formatVersion
            let isNew: Bool
            if let f = try txn.get(meta, key: MetaKey.format) {
                guard f.count == 4 else { throw StoreError(.corrupt, "store metadata: format record has \(f.count) bytes, expected 4") }
                format = UInt32(littleEndian: f.loadUnaligned(as: UInt32.self))
                isNew = false
            } else {
                isNew = true
            }
            if format == 1 && !opening.allowLegacy {
                throw StoreError(.formatOutdated, "this store is in format 1 (written before per-customer encryption); this build reads format \(formatVersion). Migrate it into a new folder: journeyctl migrate --from \(env.path) --data NEW_FOLDER")
            }
            // Format 2 differs only by what it lacks (visitor ids, identity records, `links`):
            // it is upgraded to 3 in place, below. Format 3 becomes 4 when its views have left
            // this file (``EventStore/upgradeToFormatFour(_:)``).
            let upgrade = format == 2
            guard format == formatVersion || format == 3 || upgrade || (format == 1 && opening.allowLegacy) else {
                throw StoreError(.corrupt, "store format \(format) is not supported by this build (it reads format \(formatVersion))")
            }
            if isNew && opening.masterKey == nil && !opening.allowUnencrypted {
                throw Self.missingKey(new: true, fingerprint: nil)
            }
            let layout = StoreLayout(
                events: try txn.openDatabase("events", flags: flags),
                customers: try txn.openDatabase("customers", flags: flags),
                streams: try txn.openDatabase("streams", flags: flags.union([.dupSort, .dupFixed])),
                eventIds: try txn.openDatabase("event-ids", flags: flags),
                meta: meta,
                // A format-1 store (read for migration only) has neither: it holds no sealed
                // record and no erasure, so the handles are never used; `meta` stands in rather
                // than creating databases in the migration's source.
                customerKeys: format == 1 ? meta : try txn.openDatabase("customer-keys", flags: [.create]),
                erasures: format == 1 ? meta : try txn.openDatabase("erasures", flags: [.create]),
                links: format == 1 ? meta : try txn.openDatabase("links", flags: [.create, .dupSort]),
                legacyFormat: format == 1 ? 1 : nil)
            var keys: CustomerKeys?
            if isNew || upgrade {
                var v = (isNew ? formatVersion : 3).littleEndian
                try withUnsafeBytes(of: &v) { vb in
                    try MetaKey.format.withUnsafeBytes { try txn.put(meta, key: $0, value: vb) }
                }
            }
            if isNew, let master = opening.masterKey {
                try txn.put(meta, key: MetaKey.keyCheck, value: Self.keyCheck(master))
                keys = CustomerKeys(master: master)
            } else if !isNew, let check = try txn.get(meta, key: MetaKey.keyCheck) {
                let stored = String(decoding: UnsafeRawBufferPointer(rebasing: check[0..<min(12, check.count)]), as: UTF8.self)
                guard let master = opening.masterKey else { throw Self.missingKey(new: false, fingerprint: stored) }
                guard Self.verify(check, master) else {
                    throw StoreError(.masterKeyWrong, "the master key given (fingerprint \(master.fingerprint)) is not this store's (fingerprint \(stored)); nothing was read or written. Give the key the store was created with")
                }
                keys = CustomerKeys(master: master)
            }
            return (layout, keys)
        }
    }

    static func missingKey(new: Bool, fingerprint: String?) -> StoreError {
        if new {
            return StoreError(.masterKeyMissing, "no master key: a new store encrypts each customer's properties under a key wrapped by a master key kept outside the data folder. Make one (journeyctl keygen -o /etc/journey/master.key) and set JOURNEY_MASTER_KEY_FILE (or --master-key-file), or create an unencrypted store on purpose with --unencrypted (JOURNEY_UNENCRYPTED=1)")
        }
        return StoreError(.masterKeyMissing, "this store is encrypted (master key fingerprint \(fingerprint ?? "?")) and no master key was given; set JOURNEY_MASTER_KEY_FILE (or --master-key-file, or JOURNEY_MASTER_KEY). Nothing was read or written")
    }

    private static let checkText = Array("journey-store key check v1".utf8)

    static func keyCheck(_ master: MasterKey) -> [UInt8] {
        let box = try! AES.GCM.seal(checkText, using: master.derive("key-check/v1"))
        return Array(master.fingerprint.utf8) + Array(box.combined!)
    }

    static func verify(_ check: UnsafeRawBufferPointer, _ master: MasterKey) -> Bool {
        guard check.count > 12,
              let box = try? AES.GCM.SealedBox(combined: Data(UnsafeRawBufferPointer(rebasing: check[12...]))),
              let text = try? AES.GCM.open(box, using: master.derive("key-check/v1"))
        else { return false }
        return Array(text) == checkText
    }

    /// The `customers` key of a customer id (see ``CustomerKey``).
    static func customerKey(_ customerId: String) -> [UInt8] { CustomerKey.of(customerId) }
}

extension Transaction {
    /// The big-endian UInt64 stored as a value.
    @inline(__always)
    static func uint64(_ value: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bigEndian: value.loadUnaligned(as: UInt64.self))
    }
}
