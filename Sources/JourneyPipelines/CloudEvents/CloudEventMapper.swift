import Crypto
public import JourneyStore
import JourneyJSON

/// Maps CloudEvents 1.0 (JSON format: structured mode, batch mode, and binary mode's headers)
/// to events:
///
/// - required: `specversion` `1.0`, `id`, `source`, `type`;
/// - `source` + `id` → the idempotency key (`<source> <id>`, or when that is longer than an id
///   may be or the source has a space, `ce-sha256:` and the SHA-256 of both);
/// - `subject` → `customerId`; the extension `anonymousid` → `anonymousId` (one is required);
/// - `time` → `occurredAt`; `type` → its part after the last `.` in snake_case, unless
///   ``PipelineMapping/CloudEvents/types`` renames it;
/// - `data.touchpoint`, `data.channel`, `data.sentiment` lifted; `data.properties` (or the rest
///   of an object `data`) → properties; other `data` is kept as `{"data": …}`, `data_base64` as
///   `{"data_base64": …}`.
public struct CloudEventMapper: Sendable {
    public let mapping: PipelineMapping.CloudEvents
    public let limits: EventLimits

    public init(mapping: PipelineMapping.CloudEvents = .init(), limits: EventLimits = EventLimits()) {
        self.mapping = mapping
        self.limits = limits
    }

    /// One structured-mode event (`application/cloudevents+json`, or a line of a file).
    public func event(_ bytes: UnsafeRawBufferPointer, receivedAt: Timestamp) throws(StoreError) -> NewEvent {
        let members: JSONMembers
        do {
            members = try JSONMembers(parsing: bytes)
        } catch {
            throw StoreError(.invalidEvent, "malformed JSON at byte \(error.offset): \(error.message)", field: "event")
        }
        var view = MessageView(members, index: nil, name: "cloudevent")
        return try event(&view, receivedAt: receivedAt)
    }

    /// A batch (`application/cloudevents-batch+json`): a JSON array of structured events, all
    /// mapped or none (the error names the first bad one by index).
    public func events(batch bytes: UnsafeRawBufferPointer, receivedAt: Timestamp) throws(StoreError) -> [NewEvent] {
        var s = JSONScanner(bytes)
        s.skipWhitespace()
        guard s.current == 0x5B else { throw StoreError.invalid("batch", "expected a JSON array of CloudEvents, got \(s.kindAtCursor)") }
        s.index += 1
        s.skipWhitespace()
        var out: [NewEvent] = []
        var index = 0
        while s.current != 0x5D {
            guard s.current == 0x7B else {
                var e = StoreError.invalid("batch[\(index)]", "expected a CloudEvent object, got \(s.kindAtCursor)")
                e.index = index
                throw e
            }
            let members: JSONMembers
            do {
                members = try JSONMembers(scanning: &s, maxDepth: 64)
            } catch {
                var e = StoreError(.invalidEvent, "malformed JSON at byte \(error.offset): \(error.message)", field: "batch")
                e.index = index
                throw e
            }
            var view = MessageView(members, index: index, name: "batch[\(index)]")
            out.append(try event(&view, receivedAt: receivedAt))
            index += 1
            s.skipWhitespace()
            if s.current == 0x2C {
                s.index += 1
                s.skipWhitespace()
            } else if s.current != 0x5D {
                throw StoreError(.invalidEvent, "malformed JSON at byte \(s.index + 1): expected ',' or ']', found \(s.describeCurrent())", field: "batch")
            }
        }
        s.index += 1
        s.skipWhitespace()
        guard s.isAtEnd else { throw StoreError(.invalidEvent, "malformed JSON at byte \(s.index + 1): expected end of input", field: "batch") }
        guard !out.isEmpty else { throw StoreError.invalid("batch", "expected at least one CloudEvent, got an empty array") }
        return out
    }

    func event(_ m: inout MessageView, receivedAt: Timestamp) throws(StoreError) -> NewEvent {
        guard let version = try m.string("specversion") else { throw m.error("specversion", "required: \"1.0\"") }
        guard version == "1.0" else { throw m.error("specversion", "expected \"1.0\", got \"\(version)\"") }
        guard let id = try m.string("id") else { throw m.error("id", "required: the event's id (unique per source)") }
        guard let source = try m.string("source") else { throw m.error("source", "required: the URI-reference of the event's producer") }
        guard let ceType = try m.string("type") else { throw m.error("type", "required, e.g. com.example.order.completed") }
        let customer = try m.id("subject")
        let anonymous = try m.id("anonymousid")
        guard customer != nil || anonymous != nil else {
            throw m.error("subject", "subject (the customer) or the extension anonymousid (a visitor): one of them is required, both are missing")
        }
        let occurredAt = try m.time("time") ?? receivedAt
        let last = ceType.split(separator: ".").last.map(String.init) ?? ceType
        let type = mapping.types[ceType] ?? mapping.types[last] ?? SnakeCase.of(last)

        var touchpoint: (String, FieldPath)?
        var channel: (String, FieldPath)?
        var sentiment: (Double, FieldPath)?
        var properties: JSONObjectText?
        switch m.members.value("data") {
        case .object(let r):
            touchpoint = try m.label(mapping.touchpoint, maxLength: limits.maxLabelLength)
            channel = try m.label(mapping.channel, maxLength: limits.maxLabelLength)
            sentiment = try m.sentiment(mapping.sentiment)
            if m.range(mapping.properties) != nil {
                properties = try m.properties(base: mapping.properties, without: [], extra: [])
            } else {
                var lifted = Set<String>()
                for p in [touchpoint?.1, channel?.1, sentiment?.1].compactMap({ $0 }) {
                    if let k = p.liftedKey(from: "data") { lifted.insert(k) }
                }
                if let k = mapping.properties.liftedKey(from: "data") { lifted.insert(k) }
                _ = r
                properties = try m.properties(base: "data", without: lifted, extra: [])
            }
        case .absent, .null:
            if let r = m.range("data_base64") { properties = try m.properties(base: nil, without: [], extra: [("data_base64", r)]) }
        default:
            properties = try m.properties(base: nil, without: [], extra: [("data", m.range("data")!)])
        }

        var event = NewEvent(
            id: Self.idempotencyKey(source: source, id: id, maxLength: limits.maxIdLength), customerId: customer, anonymousId: anonymous,
            type: type, occurredAt: occurredAt, touchpoint: touchpoint?.0, channel: channel?.0, sentiment: sentiment?.0, properties: properties)
        event.idempotency = .idOnly
        do {
            try event.validate(limits: limits)
        } catch {
            let field = [("customerId", "subject"), ("anonymousId", "anonymousid")].first { $0.0 == error.field }?.1 ?? error.field ?? "event"
            event.id = nil
            throw m.error(field, error.message.hasPrefix("\(error.field ?? ""): ") ? String(error.message.dropFirst((error.field ?? "").count + 2)) : error.message)
        }
        return event
    }

    /// The store's id for a CloudEvent: `<source> <id>` when it fits and is unambiguous (a
    /// source has no space), else `ce-sha256:` and the hex SHA-256 of source, a zero byte, id.
    public static func idempotencyKey(source: String, id: String, maxLength: Int = 128) -> String {
        let plain = "\(source) \(id)"
        if !source.contains(" ") && plain.count <= maxLength { return plain }
        var h = SHA256()
        h.update(data: Array(source.utf8))
        h.update(data: [0])
        h.update(data: Array(id.utf8))
        return "ce-sha256:" + h.finalize().map { String($0, radix: 16).leftPadded(2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
