public import JourneyStore
import JourneyJSON

/// Maps Segment's messages (its HTTP tracking API; RudderStack speaks the same) to events:
///
/// - `messageId` → `id` (idempotency); `userId` → `customerId`, `anonymousId` → `anonymousId`;
/// - `occurredAt`: `timestamp`, else `receivedAt − (sentAt − originalTimestamp)` (Segment's
///   clock-skew correction), else `originalTimestamp`, else when the store received it;
/// - track: `event` in snake_case (`Order Completed` → `order_completed`); page / screen:
///   `page_view` / `screen_view` with the page path or the screen name as touchpoint; identify:
///   `identify` with `traits` as properties; group: `group` with `groupId` and `traits`;
///   alias: `alias`, an event linking `previousId` (as a visitor id) to `userId`;
/// - touchpoint, channel, sentiment and extra properties as ``PipelineMapping/Segment`` says;
///   the rest of `properties` stays `properties`.
///
/// Errors are `invalid_event` naming the message (`batch[3]`) and the field, with `index`.
public struct SegmentMapper: Sendable {
    public let mapping: PipelineMapping.Segment
    public let limits: EventLimits

    /// Segment's own limits: 32 KB per message, 500 KB per batch.
    public static let maxMessageBytes = 32 * 1024
    public static let maxBatchBytes = 500 * 1024
    /// The calls of the tracking API.
    public static let calls: Set<String> = ["track", "identify", "page", "screen", "group", "alias"]

    public init(mapping: PipelineMapping.Segment = .init(), limits: EventLimits = EventLimits()) {
        self.mapping = mapping
        self.limits = limits
    }

    /// One message (a single call's body, or a line of a file). `call` is the call the path
    /// names (`/v1/track`); without it the message's `type` says.
    public func event(_ bytes: UnsafeRawBufferPointer, call: String? = nil, receivedAt: Timestamp) throws(StoreError) -> NewEvent {
        guard bytes.count <= Self.maxMessageBytes else {
            throw StoreError.invalid("message", "expected at most \(Self.maxMessageBytes) bytes (Segment's limit per message), got \(bytes.count)")
        }
        let members: JSONMembers
        do {
            members = try JSONMembers(parsing: bytes)
        } catch {
            throw StoreError(.invalidEvent, "malformed JSON at byte \(error.offset): \(error.message)", field: "message")
        }
        var view = MessageView(members, index: nil, name: "message")
        return try event(&view, call: call, sentAt: nil, receivedAt: receivedAt)
    }

    func event(_ m: inout MessageView, call: String?, sentAt batchSentAt: Timestamp?, receivedAt requestTime: Timestamp) throws(StoreError) -> NewEvent {
        let type: String
        if let call {
            type = call
        } else {
            guard let t = try m.string("type") else { throw m.error("type", "required: one of \(Self.calls.sorted().joined(separator: ", "))") }
            guard Self.calls.contains(t) else { throw m.error("type", "expected one of \(Self.calls.sorted().joined(separator: ", ")), got \"\(t)\"") }
            type = t
        }
        let messageId = try m.string("messageId")
        if let messageId, messageId.utf8.count > limits.maxIdLength, messageId.unicodeScalars.count > limits.maxIdLength {
            throw m.error("messageId", "expected at most \(limits.maxIdLength) characters, got \(messageId.unicodeScalars.count)")
        }
        var customer = try m.id("userId")
        var anonymous = try m.id("anonymousId")
        if type == "alias" {
            guard let user = customer else { throw m.error("userId", "required for an alias: the id the visitor becomes") }
            guard let previous = try m.id("previousId") else { throw m.error("previousId", "required for an alias: the id to link to userId") }
            customer = user
            anonymous = previous
        } else if customer == nil && anonymous == nil {
            throw m.error("userId", "userId or anonymousId: one of them is required, both are missing")
        }

        // Business time, with Segment's clock-skew correction.
        let receivedAt = try m.time("receivedAt") ?? requestTime
        var occurredAt = try m.time("timestamp")
        if occurredAt == nil, let original = try m.time("originalTimestamp") {
            if let sent = try m.time("sentAt") ?? batchSentAt {
                occurredAt = Timestamp(milliseconds: receivedAt.milliseconds - (sent.milliseconds - original.milliseconds))
            } else {
                occurredAt = original
            }
        }
        if occurredAt == nil { occurredAt = receivedAt }

        // Type, and where properties come from.
        var storeType: String
        var base: FieldPath? = "properties"
        var touchpointPaths = mapping.touchpoint
        var extra: [(String, Range<Int>)] = []
        switch type {
        case "track":
            guard let name = try m.string("event") else { throw m.error("event", "required for a track call: the event's name") }
            storeType = mapping.types[name] ?? {
                let snake = mapping.snakeCase ? SnakeCase.of(name) : name
                return mapping.types[snake] ?? snake
            }()
        case "page", "screen":
            storeType = type == "page" ? "page_view" : "screen_view"
            if type == "page" { touchpointPaths.append("properties.path") }
            touchpointPaths.append("name")
            if let r = m.range("name") { extra.append(("name", r)) }
        case "identify":
            storeType = "identify"
            base = "traits"
        case "group":
            storeType = "group"
            base = nil
            guard let r = m.range("groupId") else { throw m.error("groupId", "required for a group call") }
            extra.append(("groupId", r))
            if let t = m.range("traits") {
                guard case .object = JSONMembers.value(at: t, in: m.bytes) else { throw m.error("traits", "expected an object") }
                extra.append(("traits", t))
            }
        default:  // alias
            storeType = "alias"
            base = nil
        }
        if type != "track" { storeType = mapping.types[storeType] ?? storeType }

        var lifted = Set<String>()
        let touchpoint = try m.label(touchpointPaths, maxLength: limits.maxLabelLength)
        let channel = try m.label(mapping.channel, maxLength: limits.maxLabelLength)
        let sentiment = try m.sentiment(mapping.sentiment)
        for p in [touchpoint?.1, channel?.1, sentiment?.1].compactMap({ $0 }) {
            if let k = p.liftedKey(from: base?.segments.first ?? "properties") { lifted.insert(k) }
        }
        if type != "alias" {
            for e in mapping.extraProperties { if let r = m.range(e.path) { extra.append((e.name, r)) } }
        }
        let properties = try m.properties(base: base, without: lifted, extra: extra)

        var event = NewEvent(
            id: messageId, customerId: customer, anonymousId: anonymous, type: storeType, occurredAt: occurredAt,
            touchpoint: touchpoint?.0, channel: channel?.0, sentiment: sentiment?.0, properties: properties)
        event.idempotency = .idOnly
        do {
            try event.validate(limits: limits)
        } catch {
            let field = [("customerId", "userId"), ("type", type == "track" ? "event" : "type"), ("id", "messageId")].first { $0.0 == error.field }?.1 ?? error.field ?? "message"
            throw m.error(field, error.message.hasPrefix("\(error.field ?? ""): ") ? String(error.message.dropFirst((error.field ?? "").count + 2)) : error.message)
        }
        return event
    }
}
