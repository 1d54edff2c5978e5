import JourneyJSON
import JourneyStore
import LMDBKit

/// The journey layer's LMDB databases, opened once: metadata, checkpoints, and for each
/// projection both slots of its views.
struct JourneyDatabases: Sendable {
    /// `journey-meta`: active model, model documents, each projection's active slot and
    /// generation, rebuilds in progress.
    let meta: Database
    /// `checkpoints`: "<projection>:<slot>" → last applied position.
    let checkpoints: Database
    /// `projection-faults`: position (UInt64 BE) → ``ProjectionFault`` (JSON): events the
    /// projections applied without their properties because these did not open.
    let faults: Database
    private let views: [String: Database]

    /// The names of every database of the journey layer (none is sorted-duplicates).
    static let names: [String] = ["journey-meta", "checkpoints", "projection-faults"] + viewNames
    /// Both slots' databases of every projection.
    static var viewNames: [String] {
        ProjectionKind.allCases.flatMap { kind in
            (0..<2).flatMap { slot in kind.databaseSuffixes.map { kind.databaseName($0, slot: slot) } }
        }
    }

    static func open(_ env: Environment) throws -> JourneyDatabases {
        try env.write { txn in
            var views: [String: Database] = [:]
            for name in viewNames { views[name] = try txn.openDatabase(name, flags: .create) }
            return JourneyDatabases(
                meta: try txn.openDatabase("journey-meta", flags: .create),
                checkpoints: try txn.openDatabase("checkpoints", flags: .create),
                faults: try txn.openDatabase("projection-faults", flags: .create),
                views: views)
        }
    }

    /// Every view database of both slots.
    var allViews: [Database] { Array(views.values) }

    /// One of a projection's databases in a slot.
    func view(_ kind: ProjectionKind, _ suffix: String, slot: Int) -> Database {
        views[kind.databaseName(suffix, slot: slot)]!
    }

    // MARK: Checkpoints

    func checkpoint(_ kind: ProjectionKind, slot: Int, in txn: Transaction) throws -> UInt64 {
        guard let v = try txn.get(checkpoints, key: Array("\(kind.rawValue):\(slot)".utf8)), v.count == 8 else { return 0 }
        return UInt64(bigEndian: v.loadUnaligned(as: UInt64.self))
    }

    func setCheckpoint(_ kind: ProjectionKind, slot: Int, _ position: UInt64, in txn: Transaction) throws {
        let v = withUnsafeBytes(of: position.bigEndian) { Array($0) }
        try txn.put(checkpoints, key: Array("\(kind.rawValue):\(slot)".utf8), value: v)
    }

    // MARK: Faults

    /// Records faults met by a chunk (an event met again, by a rebuild or a re-fold, keeps one entry).
    func recordFaults(_ faults: [ProjectionFault], in txn: Transaction) throws {
        for f in faults {
            let key = withUnsafeBytes(of: f.position.bigEndian) { Array($0) }
            try txn.put(self.faults, key: key, value: JSONOutput.bytes(f))
        }
    }

    // MARK: Metadata records (small JSON documents)

    func record<T: Decodable>(_ key: String, as type: T.Type, in txn: Transaction) throws -> T? {
        guard let v = try txn.get(meta, key: Array(key.utf8)) else { return nil }
        return try Self.decode(T.self, from: v)
    }

    /// Decodes a metadata record; one that does not decode is a corrupt store.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws(StoreError) -> T {
        do {
            return try JSONOutput.decode(T.self, from: bytes)
        } catch {
            throw StoreError(.corrupt, "journey metadata does not decode: \(error)")
        }
    }

    func setRecord<T: Encodable>(_ key: String, _ value: T?, in txn: Transaction) throws {
        if let value {
            try txn.put(meta, key: Array(key.utf8), value: JSONOutput.bytes(value))
        } else {
            try txn.delete(meta, key: Array(key.utf8))
        }
    }

    func string(_ key: String, in txn: Transaction) throws -> String? {
        try txn.get(meta, key: Array(key.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    func setString(_ key: String, _ value: String, in txn: Transaction) throws {
        try txn.put(meta, key: Array(key.utf8), value: Array(value.utf8))
    }
}

/// Which slot of a projection answers reads, its generation and the model it was built with.
struct ProjectionRecord: Codable, Sendable, Equatable {
    var slot: Int
    var generation: Int
    var modelVersion: String
}

/// A rebuild in progress: into which slot, under which model, by whom.
struct RebuildRecord: Codable, Sendable, Equatable {
    var slot: Int
    var generation: Int
    var modelVersion: String
    /// Rebuilds that switch together (a model activation, or `rebuild` of all).
    var group: [ProjectionKind]
    var startedAt: Int64
    var startHead: UInt64
    var pid: Int32
}
