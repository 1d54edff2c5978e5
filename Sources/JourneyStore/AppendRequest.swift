/// One caller's append: events (any customers) written all-or-nothing, with optional
/// expected versions per customer stream.
///
/// Everything that does not depend on the log's state is computed by the caller before the
/// request is queued, off the writer thread: ids (generated ones fixed here, so a transaction
/// retried after the map grew writes the same ids), idempotency keys, the order to look them
/// up in, and the encoded records minus version, recordedAt and chain hash.
struct AppendRequest: Sendable {
    var events: [NewEvent]
    var ids: [String]
    var keys: [EventIDKey]
    /// Event indices sorted by idempotency key (equal keys by index).
    var lookupOrder: [Int]
    /// The records, back to back; record `i` spans `recordOffsets[i]..<recordOffsets[i + 1]`.
    var records: [UInt8]
    var recordOffsets: [Int]
    var expectations: [String: ExpectedVersion]
    let complete: @Sendable (Result<AppendResult, StoreError>) -> Void

    init(prepared p: PreparedAppend, complete: @escaping @Sendable (Result<AppendResult, StoreError>) -> Void) {
        events = p.events
        ids = p.ids
        keys = p.keys
        lookupOrder = p.lookupOrder
        records = p.records
        recordOffsets = p.recordOffsets
        expectations = p.expectations
        self.complete = complete
    }
}

/// The caller-side half of an append (see ``AppendRequest``).
struct PreparedAppend: Sendable {
    var events: [NewEvent]
    var ids: [String]
    var keys: [EventIDKey]
    var lookupOrder: [Int]
    var records: [UInt8]
    var recordOffsets: [Int]
    var expectations: [String: ExpectedVersion]

    init(events: [NewEvent], ids: [String], expectations: [String: ExpectedVersion]) {
        self.events = events
        self.ids = ids
        self.expectations = expectations
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
        for (e, id) in zip(events, ids) {
            total += RecordEncoder.size(of: e, id: id)
            recordOffsets.append(total)
        }
        records = [UInt8](repeating: 0, count: total)
        records.withUnsafeMutableBytes { buf in
            for (i, (e, id)) in zip(events, ids).enumerated() {
                RecordEncoder.encodeTemplate(e, id: id, into: UnsafeMutableRawBufferPointer(rebasing: buf[recordOffsets[i]..<recordOffsets[i + 1]]))
            }
        }
    }
}
