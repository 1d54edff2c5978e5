import Foundation
import LMDBKit
import JourneyJSON

/// One erasure: who erased whom, when, and where the erasure record sits in the log.
public struct ErasureRecord: Sendable, Equatable, Codable {
    public var customerId: String
    /// Position of the erasure record in the log.
    public var position: UInt64
    /// The erasure record's version in the customer's stream.
    public var version: UInt64
    public var eventId: String
    /// UTC RFC 3339 with milliseconds.
    public var erasedAt: String
    /// The token name (HTTP) or `cli:<user>` (journeyctl) that asked for it.
    public var erasedBy: String
    public var reason: String?
    /// The erasure had already been made (erasing twice changes nothing).
    public var duplicate: Bool
}

extension EventStore {
    func erasureRequest(_ customerId: String, by actor: String, reason: String?, kept: String?, expectedVersion: UInt64?) throws(StoreError) -> ErasureRequest {
        try NewEvent(customerId: customerId, type: "customer_erased").validate(limits: configuration.limits)
        guard !actor.isEmpty else { throw StoreError(.invalidArgument, "an erasure needs to say who asked for it") }
        if let reason, reason.count > 1000 { throw StoreError(.invalidArgument, "reason: at most 1000 characters, got \(reason.count)") }
        var out: [UInt8] = [0x7B]
        out.append(contentsOf: #""erasedBy":"#.utf8)
        JSONWriter.appendString(actor, to: &out)
        if let kept {
            out.append(contentsOf: #","kept":"#.utf8)
            JSONWriter.appendString(kept, to: &out)
        }
        if let reason {
            out.append(contentsOf: #","reason":"#.utf8)
            JSONWriter.appendString(reason, to: &out)
        }
        out.append(0x7D)
        return ErasureRequest(customerId: customerId, properties: JSONObjectText(trustedCompact: out), expectedVersion: expectedVersion)
    }

    /// Erasures, oldest first (or only `customerId`'s). The audit of erasures: admin only.
    public func erasures(customerId: String? = nil) throws(StoreError) -> [ErasureRecord] {
        if let customerId {
            do throws(StoreError) {
                try NewEvent(customerId: customerId, type: "x").validate(limits: configuration.limits)
            } catch {
                throw StoreError(.invalidArgument, error.message)  // "customerId: expected …"
            }
        }
        return try read { txn in
            var positions: [UInt64] = []
            if layout.legacyFormat != nil { return [] }
            if let customerId {
                if let v = try txn.get(layout.erasures, key: StoreLayout.customerKey(customerId)) { positions.append(Transaction.uint64(v)) }
            } else {
                try txn.withCursor(layout.erasures) { c in
                    var entry = try c.first()
                    while let e = entry {
                        positions.append(Transaction.uint64(e.value))
                        entry = try c.next()
                    }
                }
            }
            return try positions.sorted().map { p in
                guard let raw = try txn.get(layout.events, key: p), let r = RecordView(raw), r.isErasure else {
                    throw StoreError(.corrupt, "an erasure points at position \(p), which is not an erasure record")
                }
                let fields = r.propertiesBytes.flatMap { JSONValue.parse($0) }
                func string(_ key: String) -> String? {
                    if case .object(let o)? = fields, case .string(let s)? = o[key] { return s }
                    return nil
                }
                return ErasureRecord(
                    customerId: r.customerId, position: p, version: r.version, eventId: r.id, erasedAt: r.recordedAt.rfc3339,
                    erasedBy: string("erasedBy") ?? "", reason: string("reason"), duplicate: false)
            }
        }
    }

    /// Erased customers in `txn`: customer key → position of the erasure record.
    func erasedCustomers(in txn: Transaction) throws -> [[UInt8]: UInt64] {
        guard layout.legacyFormat == nil else { return [:] }
        var out: [[UInt8]: UInt64] = [:]
        try txn.withCursor(layout.erasures) { c in
            var entry = try c.first()
            while let e = entry {
                out[Array(e.key)] = Transaction.uint64(e.value)
                entry = try c.next()
            }
        }
        return out
    }

    /// When and where the stream was erased, if it was.
    func erasure(of stream: StreamID, in txn: Transaction) throws -> (position: UInt64, erasedAt: Timestamp)? {
        guard layout.legacyFormat == nil, let v = try txn.get(layout.erasures, key: stream.key) else { return nil }
        let p = Transaction.uint64(v)
        guard let raw = try txn.get(layout.events, key: p), let r = RecordView(raw) else {
            throw StoreError(.corrupt, "the erasure of \(stream) points at position \(p), which does not decode")
        }
        return (p, r.recordedAt)
    }

    /// How many customers were erased (cheap: LMDB's entry count).
    func erasureCount(in txn: Transaction) throws -> Int {
        guard layout.legacyFormat == nil else { return 0 }
        return try txn.statistics(layout.erasures).entries
    }

    // MARK: Reading sealed records

    /// The readable `properties` of a record: opened when sealed; `nil` when absent or when the
    /// customer was erased. For reads that need only the properties (classification).
    func openProperties(of r: RecordView, in txn: Transaction) throws -> [UInt8]? {
        guard r.isSealed else { return r.propertiesBytes.map { Array($0) } }
        guard let keys else { return nil }
        return try keys.openProperties(of: r, layout: layout, in: txn)
    }

    /// Runs `body` with a readable view of `r`: sealed properties opened, or, for an erased
    /// customer, removed and the view marked redacted. Unsealed records pass through as they are.
    func withReadable<R>(_ r: RecordView, in txn: Transaction, _ body: (RecordView) throws -> R) throws -> R {
        guard r.isSealed else { return try body(r) }
        let bytes = try readableBytes(r, in: txn)
        return try bytes.withUnsafeBytes { try body(RecordView($0)!) }
    }

    /// The bytes of a readable copy of a sealed record (see ``withReadable(_:in:_:)``). The copy
    /// keeps the stored chain hash, which no longer matches it: it is for reading only.
    func readableBytes(_ r: RecordView, in txn: Transaction) throws -> [UInt8] {
        r.readableCopy(properties: try openProperties(of: r, in: txn))
    }
}
