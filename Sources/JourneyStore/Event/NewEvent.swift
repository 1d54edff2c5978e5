public import JourneyJSON
/// An event as a client sends it, before the store assigns `position`, `version` and `recordedAt`.
///
/// Build one in code and call ``validate(limits:)``, or parse JSON with ``EventParser`` (which
/// validates). The store validates again before it writes, so an invalid event never lands.
public struct NewEvent: Sendable, Equatable {
    /// Idempotency key (1–128 code points). `nil`: the store generates a UUID (version 7).
    public var id: String?
    /// The known customer (1–256 code points, no control characters).
    public var customerId: String?
    /// An anonymous visitor not yet known (same rules as `customerId`). An event needs one of
    /// the two; one with both is in the customer's stream and links the visitor to them.
    public var anonymousId: String?
    /// What happened, e.g. `purchase` (1–128 code points).
    public var type: String
    /// Business time. `nil`: the time the store receives the event.
    public var occurredAt: Timestamp?
    /// Where it happened, e.g. `pricing_page`.
    public var touchpoint: String?
    /// Through which channel, e.g. `web`.
    public var channel: String?
    /// How the customer felt, −1…1.
    public var sentiment: Double?
    /// Free-form properties: a JSON object, kept as its compact JSON text.
    public var properties: JSONObjectText?
    /// Only for reloading an export into a new store (`journeyctl ingest --keep-recorded-at`):
    /// the recording time to keep instead of now (raised, if needed, so recording times never
    /// go backwards in the log). Clients cannot set it through the HTTP API.
    public var recordedAt: Timestamp?
    /// How a repeat of the event's `id` is told apart from a conflict (not stored).
    public var idempotency: Idempotency = .sameContent

    /// What makes a repeated `id` a duplicate.
    public enum Idempotency: Sendable, Equatable {
        /// The same content: the same id with other content is refused (`event_id_conflict`).
        /// The store's own events.
        case sameContent
        /// The id alone: a message whose id is in the log is a duplicate whatever it carries now.
        /// Segment's rule for `messageId` (and CloudEvents' for `source` + `id`), whose retries
        /// carry other send and receive times.
        case idOnly
    }

    public init(
        id: String? = nil, customerId: String?, anonymousId: String? = nil, type: String, occurredAt: Timestamp? = nil,
        touchpoint: String? = nil, channel: String? = nil, sentiment: Double? = nil,
        properties: JSONObjectText? = nil
    ) {
        self.id = id
        self.customerId = customerId
        self.anonymousId = anonymousId
        self.type = type
        self.occurredAt = occurredAt
        self.touchpoint = touchpoint
        self.channel = channel
        self.sentiment = sentiment
        self.properties = properties
    }
}

extension NewEvent {
    /// The stream the event is written to: the customer's, or the visitor's when it names no
    /// customer. (Validated events name at least one.)
    public var stream: StreamID {
        if let customerId { return .customer(customerId) }
        return .anonymous(anonymousId ?? "")
    }

    /// The visitor the event links to its customer, when it names both.
    public var link: (anonymous: String, customer: String)? {
        guard let customerId, let anonymousId else { return nil }
        return (anonymousId, customerId)
    }

    /// Checks every field against the event contract (`Schemas/event.schema.json`).
    /// Throws `invalid_event` naming the field, the expectation and the actual value.
    public func validate(limits: EventLimits = EventLimits()) throws(StoreError) {
        if let id {
            try Self.checkLength(id, field: "id", max: limits.maxIdLength)
        }
        guard customerId != nil || anonymousId != nil else {
            throw .invalid("customerId", "customerId or anonymousId: one of them is required, both are missing")
        }
        if let customerId { try Self.checkParty(customerId, field: "customerId", limits: limits) }
        if let anonymousId { try Self.checkParty(anonymousId, field: "anonymousId", limits: limits) }
        try Self.checkLength(type, field: "type", max: limits.maxTypeLength)
        if let touchpoint { try Self.checkLength(touchpoint, field: "touchpoint", max: limits.maxLabelLength) }
        if let channel { try Self.checkLength(channel, field: "channel", max: limits.maxLabelLength) }
        if let sentiment, !(sentiment >= -1 && sentiment <= 1) {
            throw .invalid("sentiment", "expected a number in -1…1, got \(sentiment)")
        }
        if let occurredAt, occurredAt < Timestamp.minimum || occurredAt > Timestamp.maximum {
            throw .invalid("occurredAt", "expected a time in years 0000–9999, got \(occurredAt.milliseconds) ms")
        }
        let size = approximateJSONSize
        if size > limits.maxEventBytes {
            throw .invalid("event", "expected at most \(limits.maxEventBytes) bytes, got \(size)")
        }
    }

    /// About the size of the event's compact JSON text (the fields plus their punctuation).
    var approximateJSONSize: Int {
        var n = 40 + (customerId?.utf8.count ?? 0) + (anonymousId.map { $0.utf8.count + 16 } ?? 0) + type.utf8.count
        n += (id?.utf8.count ?? 0) + 10
        n += occurredAt == nil ? 0 : 40
        n += (touchpoint?.utf8.count ?? 0) + 16
        n += (channel?.utf8.count ?? 0) + 14
        n += sentiment == nil ? 0 : 30
        n += (properties?.bytes.count ?? 0) + 16
        return n
    }

    /// Checks an id (a customer's or a visitor's) against the event contract: 1–256 code
    /// points, no control characters. Throws `invalid_event` naming `field`.
    public static func checkParty(_ id: String, field: String, limits: EventLimits = EventLimits()) throws(StoreError) {
        try checkLength(id, field: field, max: limits.maxCustomerIdLength)
        if let scalar = firstControl(id) {
            throw .invalid(field, "expected no control characters, found U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(4))")
        }
    }

    static func checkLength(_ s: String, field: String, max: Int) throws(StoreError) {
        let bytes = s.utf8.count
        if bytes == 0 { throw .invalid(field, "expected a non-empty string, got \"\"") }
        // A code point takes at least one byte: only long byte strings need counting.
        guard bytes > max else { return }
        var count = 0
        for _ in s.unicodeScalars { count += 1 }
        if count > max {
            throw .invalid(field, "expected at most \(max) characters, got \(count)")
        }
    }

    /// Whether `s` holds a C0 or C1 control character or DEL (checked on the UTF-8 bytes).
    static func firstControl(_ s: String) -> Unicode.Scalar? {
        var previous: UInt8 = 0
        for b in s.utf8 {
            if b < 0x20 || b == 0x7F { return Unicode.Scalar(b) }
            if previous == 0xC2 && b >= 0x80 && b <= 0x9F { return Unicode.Scalar(UInt32(b)) }
            previous = b
        }
        return nil
    }
}
