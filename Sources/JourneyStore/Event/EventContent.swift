import JourneyJSON
/// Whether two events carry the same content, for idempotency: a retried event (same id)
/// is a duplicate when its content matches, and an `event_id_conflict` when it does not.
///
/// Compared: customerId, anonymousId, type, touchpoint, channel, sentiment, occurredAt *as sent* (absent
/// matches only absent, so a retry without occurredAt matches an original without it), and
/// properties as JSON values (key order and number spelling do not matter).
package enum EventContent {
    package static func same(_ r: RecordView, _ e: NewEvent) -> Bool {
        guard r.customerIdBytes.elementsEqual((e.customerId ?? "").utf8),
              r.anonymousIdBytes.elementsEqual((e.anonymousId ?? "").utf8),
              r.typeBytes.elementsEqual(e.type.utf8),
              optionalEqual(r.touchpointBytes, e.touchpoint),
              optionalEqual(r.channelBytes, e.channel),
              r.sentiment == e.sentiment
        else { return false }
        if let t = e.occurredAt {
            guard r.occurredAtWasSent, r.occurredAt == t else { return false }
        } else if r.occurredAtWasSent {
            return false
        }
        switch (r.propertiesBytes, e.properties) {
        case (nil, nil): return true
        case (let a?, let b?): return a.elementsEqual(b.bytes) || JSONValue.parse(a) == JSONValue.parse(b.bytes)
        default: return false
        }
    }

    package static func same(_ a: NewEvent, _ b: NewEvent) -> Bool {
        guard a.customerId == b.customerId, a.anonymousId == b.anonymousId, a.type == b.type, a.touchpoint == b.touchpoint,
              a.channel == b.channel, a.sentiment == b.sentiment, a.occurredAt == b.occurredAt
        else { return false }
        switch (a.properties, b.properties) {
        case (nil, nil): return true
        case (let x?, let y?): return x == y || JSONValue.parse(x.bytes) == JSONValue.parse(y.bytes)
        default: return false
        }
    }

    private static func optionalEqual(_ a: UnsafeRawBufferPointer?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let x?, let y?): x.elementsEqual(y.utf8)
        default: false
        }
    }
}
