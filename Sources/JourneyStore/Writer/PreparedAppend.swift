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
    /// Encrypted stores: the data key each event was sealed with (at the same index; `nil` for
    /// an erased customer). The writer checks it against `customer-keys` in the transaction
    /// that writes the events.
    var sealedWith: [DataKey?] = []

    /// `sealing`: for encrypted stores, each event's customer key and, at the same index, the
    /// data key to seal it with (`nil` for an erased customer, whose events the writer refuses).
    /// Unsealed records (an unencrypted log).
    package init(events: [NewEvent], ids: [String], expectations: [String: ExpectedVersion]) {
        self.init(events: events, ids: ids, expectations: expectations, sealing: nil)
    }

    init(events: [NewEvent], ids: [String], expectations: [String: ExpectedVersion],
         sealing: (customerKeys: [[UInt8]], keys: [DataKey?])?) {
        self.events = events
        self.ids = ids
        self.expectations = expectations
        if let sealing {
            customerKeys = sealing.customerKeys
            sealedWith = sealing.keys
        }
        keys = ids.map(EventIDKey.init)
        var order = Array(events.indices)
        if events.count > 1 {
            let k = keys
            order.sort { k[$0] < k[$1] || (k[$0] == k[$1] && $0 < $1) }
        }
        lookupOrder = order
        var total = 0
        // An event is sealed when it has properties and a key (an erased customer has none: the
        // writer refuses their new events, so their template is never written).
        let keysOf = sealedWith, customers = customerKeys
        var offsets = [0]
        offsets.reserveCapacity(events.count + 1)
        for i in events.indices {
            total += RecordEncoder.size(of: events[i], id: ids[i], sealed: !keysOf.isEmpty && keysOf[i] != nil)
            offsets.append(total)
        }
        recordOffsets = offsets
        // Every byte is written below (templates leave nothing unset), so no zeroing first.
        records = [UInt8](unsafeUninitializedCapacity: total) { buf, count in
            let all = UnsafeMutableRawBufferPointer(buf)
            for i in events.indices {
                let key = keysOf.isEmpty ? nil : keysOf[i]
                let out = UnsafeMutableRawBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]])
                let at = RecordEncoder.encodeTemplate(events[i], id: ids[i], sealed: key != nil, into: out)
                if let key, let p = events[i].properties {
                    Self.seal(p.bytes, key: key, customer: customers[i],
                              into: UnsafeMutableRawBufferPointer(rebasing: out[at..<(at + p.bytes.count + DataKey.overhead)]))
                }
            }
            count = total
        }
    }

    /// Seals `properties` into `out` (a record's properties bytes).
    @inline(__always)
    static func seal(_ properties: [UInt8], key: DataKey, customer: [UInt8], into out: UnsafeMutableRawBufferPointer) {
        properties.withUnsafeBytes { p in
            customer.withUnsafeBytes { c in key.seal(p, customer: c, into: out) }
        }
    }
}
