import Crypto

/// An append as the caller prepares it, off the writer thread: everything that does not depend
/// on the log's state. Ids (generated ones fixed here, so a transaction retried after the map
/// grew writes the same ids), idempotency keys, the order to look them up in, and the encoded
/// records minus version, recordedAt and chain hash; on an encrypted store, the sealed
/// properties and the key each customer's events were sealed with.
package struct PreparedAppend: Sendable {
    package var events: [NewEvent]
    package var ids: [String]
    var keys: [EventIDKey]
    /// Event indices sorted by idempotency key (equal keys by index).
    var lookupOrder: [Int]
    /// The records, back to back; record `i` spans `recordOffsets[i]..<recordOffsets[i + 1]`.
    package var records: [UInt8]
    package var recordOffsets: [Int]
    package var expectations: [String: ExpectedVersion]
    /// Encrypted stores: each event's customer key (see ``CustomerKey``).
    var customerKeys: [[UInt8]] = []
    /// Encrypted stores: the data key each customer's events were sealed with, by customer
    /// key. The writer checks it against `customer-keys` in the transaction that writes them.
    var sealedWith: [[UInt8]: SealingKey] = [:]

    /// `sealing`: for encrypted stores, each event's customer key and, at the same index, the
    /// data key to seal it with (`nil` for an erased customer, whose events the writer refuses).
    /// Unsealed records (an unencrypted log).
    package init(events: [NewEvent], ids: [String], expectations: [String: ExpectedVersion]) {
        self.init(events: events, ids: ids, expectations: expectations, sealing: nil)
    }

    init(events: [NewEvent], ids: [String], expectations: [String: ExpectedVersion],
         sealing: (customerKeys: [[UInt8]], keys: [SealingKey?])?) {
        self.events = events
        self.ids = ids
        self.expectations = expectations
        var sealed: [[UInt8]?] = []
        if let sealing {
            customerKeys = sealing.customerKeys
            sealed = events.indices.map { i -> [UInt8]? in
                guard let p = events[i].properties, let key = sealing.keys[i]?.key else { return nil }
                return CustomerKeys.seal(p.bytes, key: key, customer: sealing.customerKeys[i])
            }
            for (i, s) in sealing.keys.enumerated() {
                if let s { sealedWith[sealing.customerKeys[i]] = s }
            }
        }
        keys = ids.map(EventIDKey.init)
        var order = Array(events.indices)
        if events.count > 1 {
            let k = keys
            order.sort { k[$0] < k[$1] || (k[$0] == k[$1] && $0 < $1) }
        }
        lookupOrder = order
        var total = 0
        recordOffsets = [0]
        recordOffsets.reserveCapacity(events.count + 1)
        for (i, (e, id)) in zip(events, ids).enumerated() {
            total += RecordEncoder.size(of: e, id: id, sealed: sealed.isEmpty ? nil : sealed[i])
            recordOffsets.append(total)
        }
        records = [UInt8](repeating: 0, count: total)
        records.withUnsafeMutableBytes { buf in
            for (i, (e, id)) in zip(events, ids).enumerated() {
                RecordEncoder.encodeTemplate(
                    e, id: id, sealed: sealed.isEmpty ? nil : sealed[i],
                    into: UnsafeMutableRawBufferPointer(rebasing: buf[recordOffsets[i]..<recordOffsets[i + 1]]))
            }
        }
    }
}
