import JourneyJSON
/// Parses events from JSON text: one object, a JSON array of objects, or NDJSON lines.
///
/// A purpose-built scanner for the event shape (no `JSONDecoder`, no `ISO8601DateFormatter`),
/// strict about the contract in `Schemas/event.schema.json`: unknown fields, duplicate fields,
/// wrong types, invalid UTF-8 and oversized events are rejected with the field at fault, what
/// was expected and what was found. `position`, `version` and `recordedAt` (which the store
/// assigns) are accepted and ignored, so exported events can be ingested again.
public struct EventParser: Sendable {
    /// The limits events must respect.
    public var limits: EventLimits
    /// Keep the `recordedAt` of the input (reloading an export); ignored otherwise.
    public var keepRecordedAt = false

    public init(limits: EventLimits = EventLimits()) {
        self.limits = limits
    }

    /// Parses one event from its JSON text.
    public func parse(_ text: String) throws(StoreError) -> NewEvent {
        var t = text
        let r: Result<NewEvent, StoreError> = t.withUTF8 { buf in
            Result { () throws(StoreError) in try parse(UnsafeRawBufferPointer(buf)) }
        }
        return try r.get()
    }

    /// Parses one event from UTF-8 JSON bytes (the whole buffer must be the one object).
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(StoreError) -> NewEvent {
        if bytes.count > limits.maxEventBytes {
            throw .invalid("event", "expected at most \(limits.maxEventBytes) bytes, got \(bytes.count)")
        }
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        let event = try parseObject(&scanner)
        scanner.skipWhitespace()
        guard scanner.isAtEnd else {
            throw Self.syntax(scanner.error(expected: "end of input after the event object"))
        }
        return event
    }

    /// Parses a JSON array of event objects (or a single object) as one batch.
    /// An error names the 0-based index of the event at fault in ``StoreError/index``.
    public func parseBatch(_ bytes: UnsafeRawBufferPointer) throws(StoreError) -> [NewEvent] {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        if scanner.current == 0x7B {
            return [try parse(bytes)]
        }
        guard scanner.current == 0x5B else {
            throw .invalid("body", "expected a JSON object or an array of objects, got \(scanner.kindAtCursor)")
        }
        let events = try parseEventArray(&scanner, label: "event [", customerId: nil)
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw Self.syntax(scanner.error(expected: "end of input after the array")) }
        return events
    }

    /// The events of the JSON array at the cursor (which is at `[`), each within the size
    /// limit. With `customerId`, events may omit theirs and may not name another. An error
    /// names the 0-based index of the event at fault (and says `<label><index>]`).
    private func parseEventArray(_ scanner: inout JSONScanner, label: String, customerId: String?) throws(StoreError) -> [NewEvent] {
        scanner.index += 1
        var events: [NewEvent] = []
        scanner.skipWhitespace()
        if scanner.current == 0x5D {
            scanner.index += 1
            return events
        }
        while true {
            let start = scanner.index
            do throws(StoreError) {
                var e = try parseObject(&scanner, defaultCustomerId: customerId)
                if scanner.index - start > limits.maxEventBytes {
                    throw StoreError.invalid("event", "expected at most \(limits.maxEventBytes) bytes, got \(scanner.index - start)")
                }
                if let customerId {
                    if let given = e.customerId, given != customerId {
                        throw StoreError.invalid("customerId", "expected the customer of the path (\(customerId)) or none, got \(given)")
                    }
                    e.customerId = customerId
                }
                events.append(e)
            } catch {
                var e = error
                e.index = events.count
                e.message = "\(label)\(events.count)]: " + e.message
                throw e
            }
            scanner.skipWhitespace()
            if scanner.current == 0x2C {
                scanner.index += 1
                scanner.skipWhitespace()
                continue
            }
            guard scanner.current == 0x5D else { throw Self.syntax(scanner.error(expected: "',' or ']'")) }
            scanner.index += 1
            return events
        }
    }

    /// Parses NDJSON (one event a line; blank lines skipped, `\r\n` accepted) as one batch.
    /// An error names the 1-based line in ``StoreError/line``.
    public func parseNDJSON(_ bytes: UnsafeRawBufferPointer) throws(StoreError) -> [NewEvent] {
        var stream = NDJSONStreamParser(parser: self)
        try stream.feed(bytes)
        return try stream.finish()
    }

    /// Parses a customer append body, `{"expectedVersion": …, "events": [ … ]}`. Events may
    /// omit `customerId` (it is `customerId`); one that names another customer is refused.
    public func parseCustomerAppend(_ bytes: UnsafeRawBufferPointer, customerId: String) throws(StoreError) -> (ExpectedVersion, [NewEvent]) {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.current == 0x7B else {
            throw StoreError(.invalidArgument, "expected a JSON object {\"expectedVersion\": …, \"events\": […]}, got \(scanner.kindAtCursor)", field: "body")
        }
        scanner.index += 1
        var expected = ExpectedVersion.any
        var events: [NewEvent]?
        scanner.skipWhitespace()
        while scanner.current != 0x7D {
            let key: String
            do throws(JSONSyntaxError) { key = try scanner.readString() } catch { throw Self.syntax(error) }
            scanner.skipWhitespace()
            do throws(JSONSyntaxError) { try scanner.expect(0x3A, "':'") } catch { throw Self.syntax(error) }
            scanner.skipWhitespace()
            switch key {
            case "expectedVersion":
                if scanner.current == 0x22 {
                    let s: String
                    do throws(JSONSyntaxError) { s = try scanner.readString() } catch { throw Self.syntax(error) }
                    guard let v = ExpectedVersion(parsing: s), s != "0" else {
                        throw StoreError(.invalidArgument, "expectedVersion: expected any, no-stream, exists or a number, got \"\(s)\"", field: "expectedVersion")
                    }
                    expected = v
                } else if scanner.kindAtCursor == "a number" {
                    let r: Range<Int>
                    do throws(JSONSyntaxError) { r = try scanner.scanNumber() } catch { throw Self.syntax(error) }
                    let text = String(decoding: UnsafeRawBufferPointer(rebasing: scanner.bytes[r]), as: UTF8.self)
                    guard let v = UInt64(text) else {
                        throw StoreError(.invalidArgument, "expectedVersion: expected a whole number ≥ 0, got \(text)", field: "expectedVersion")
                    }
                    expected = v == 0 ? .noStream : .exact(v)
                } else {
                    throw StoreError(.invalidArgument, "expectedVersion: expected any, no-stream, exists or a number, got \(scanner.kindAtCursor)", field: "expectedVersion")
                }
            case "events":
                guard scanner.current == 0x5B else {
                    throw StoreError(.invalidArgument, "events: expected an array of events, got \(scanner.kindAtCursor)", field: "events")
                }
                events = try parseEventArray(&scanner, label: "events[", customerId: customerId)
            default:
                throw StoreError(.invalidArgument, "\(key): unknown field (expected expectedVersion, events)", field: key)
            }
            scanner.skipWhitespace()
            if scanner.current == 0x2C { scanner.index += 1; scanner.skipWhitespace(); continue }
            guard scanner.current == 0x7D else { throw Self.syntax(scanner.error(expected: "',' or '}'")) }
        }
        scanner.index += 1
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw Self.syntax(scanner.error(expected: "end of input")) }
        guard let events, !events.isEmpty else {
            throw StoreError(.invalidArgument, "events: expected at least one event", field: "events")
        }
        return (expected, events)
    }

    static func syntax(_ e: JSONSyntaxError) -> StoreError {
        StoreError(.invalidEvent, "malformed JSON at byte \(e.offset): \(e.message)")
    }

    private enum Field: Int {
        case id, customerId, type, occurredAt, touchpoint, channel, sentiment, properties, position, version, recordedAt, anonymousId
        var name: String {
            switch self {
            case .id: "id"
            case .customerId: "customerId"
            case .anonymousId: "anonymousId"
            case .type: "type"
            case .occurredAt: "occurredAt"
            case .touchpoint: "touchpoint"
            case .channel: "channel"
            case .sentiment: "sentiment"
            case .properties: "properties"
            case .position: "position"
            case .version: "version"
            case .recordedAt: "recordedAt"
            }
        }
    }

    private func field(_ s: JSONScanner.RawString, _ scanner: JSONScanner) -> Field? {
        switch s.end - s.start {
        case 2: return scanner.equals(s, "id") ? .id : nil
        case 4: return scanner.equals(s, "type") ? .type : nil
        case 7: return scanner.equals(s, "channel") ? .channel : (scanner.equals(s, "version") ? .version : nil)
        case 8: return scanner.equals(s, "position") ? .position : nil
        case 9: return scanner.equals(s, "sentiment") ? .sentiment : nil
        case 11: return scanner.equals(s, "anonymousId") ? .anonymousId : nil
        case 10:
            if scanner.equals(s, "customerId") { return .customerId }
            if scanner.equals(s, "occurredAt") { return .occurredAt }
            if scanner.equals(s, "touchpoint") { return .touchpoint }
            if scanner.equals(s, "properties") { return .properties }
            if scanner.equals(s, "recordedAt") { return .recordedAt }
            return nil
        default:
            return s.hasEscapes ? fieldByName(scanner.decode(s)) : nil
        }
    }

    private func fieldByName(_ name: String) -> Field? {
        for f in [Field.id, .customerId, .anonymousId, .type, .occurredAt, .touchpoint, .channel, .sentiment, .properties, .position, .version, .recordedAt]
        where f.name == name { return f }
        return nil
    }

    private func parseObject(_ scanner: inout JSONScanner, defaultCustomerId: String? = nil) throws(StoreError) -> NewEvent {
        guard scanner.current == 0x7B else {
            throw .invalid("event", "expected a JSON object, got \(scanner.kindAtCursor)")
        }
        scanner.index += 1
        var seen: UInt16 = 0
        var id: String?, customerId: String?, anonymousId: String?, type: String?, occurredAt: Timestamp?
        var touchpoint: String?, channel: String?, sentiment: Double?, properties: JSONObjectText?
        var recordedAt: Timestamp?
        do {
            scanner.skipWhitespace()
            if scanner.current == 0x7D {
                scanner.index += 1
            } else {
                while true {
                    let key = try scanner.scanString()
                    guard let f = field(key, scanner) else {
                        throw StoreError.invalid(scanner.decode(key), "unknown field (expected one of id, customerId, anonymousId, type, occurredAt, touchpoint, channel, sentiment, properties)")
                    }
                    let bit: UInt16 = 1 << f.rawValue
                    if seen & bit != 0 { throw StoreError.invalid(f.name, "field appears more than once") }
                    seen |= bit
                    scanner.skipWhitespace()
                    try scanner.expect(0x3A, "':'")
                    scanner.skipWhitespace()
                    switch f {
                    case .id: id = try optionalString(&scanner, f)
                    case .customerId: customerId = try optionalString(&scanner, f)
                    case .anonymousId: anonymousId = try optionalString(&scanner, f)
                    case .type: type = try requiredString(&scanner, f)
                    case .touchpoint: touchpoint = try optionalString(&scanner, f)
                    case .channel: channel = try optionalString(&scanner, f)
                    case .occurredAt: occurredAt = try timestamp(&scanner, f)
                    case .recordedAt: recordedAt = try timestamp(&scanner, f)
                    case .sentiment:
                        if try null(&scanner) { break }
                        guard scanner.kindAtCursor == "a number" else { throw wrongType(scanner, f, "a number in -1…1") }
                        let r = try scanner.scanNumber()
                        let v = JSONScanner.double(UnsafeRawBufferPointer(rebasing: scanner.bytes[r]))
                        guard v >= -1 && v <= 1 else {
                            throw StoreError.invalid("sentiment", "expected a number in -1…1, got \(String(decoding: UnsafeRawBufferPointer(rebasing: scanner.bytes[r]), as: UTF8.self))")
                        }
                        sentiment = v
                    case .position, .version:
                        if try null(&scanner) { break }
                        guard scanner.kindAtCursor == "a number" else { throw wrongType(scanner, f, "a positive integer") }
                        let r = try scanner.scanNumber()
                        let text = UnsafeRawBufferPointer(rebasing: scanner.bytes[r])
                        guard text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), text.first != 0x30 else {
                            throw StoreError.invalid(f.name, "expected a positive integer, got \(String(decoding: text, as: UTF8.self))")
                        }
                    case .properties:
                        if try null(&scanner) { break }
                        guard scanner.current == 0x7B else { throw wrongType(scanner, f, "an object") }
                        var out: [UInt8] = []
                        let start = scanner.index
                        out.reserveCapacity(64)
                        do {
                            try scanner.copyValue(into: &out, copying: true, depth: 0, maxDepth: limits.maxPropertiesDepth)
                        } catch {
                            throw StoreError.invalid("properties", "malformed JSON at byte \(error.offset): \(error.message)")
                        }
                        _ = start
                        properties = JSONObjectText(trustedCompact: out)
                    }
                    scanner.skipWhitespace()
                    if scanner.current == 0x2C {
                        scanner.index += 1
                        scanner.skipWhitespace()
                        continue
                    }
                    try scanner.expect(0x7D, "',' or '}'")
                    break
                }
            }
        } catch let e as JSONSyntaxError {
            throw Self.syntax(e)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.wrap(error)
        }
        let customer = customerId ?? defaultCustomerId
        guard customer != nil || anonymousId != nil else {
            throw .invalid("customerId", "customerId or anonymousId: one of them is required, both are missing")
        }
        guard let type else { throw .invalid("type", "required field is missing") }
        var event = NewEvent(
            id: id, customerId: customer, anonymousId: anonymousId, type: type, occurredAt: occurredAt,
            touchpoint: touchpoint, channel: channel, sentiment: sentiment, properties: properties)
        if keepRecordedAt { event.recordedAt = recordedAt }
        try event.validate(limits: limits)
        return event
    }

    private func wrongType(_ scanner: JSONScanner, _ f: Field, _ expected: String) -> StoreError {
        .invalid(f.name, "expected \(expected), got \(scanner.kindAtCursor) \(scanner.excerpt())")
    }

    private func null(_ scanner: inout JSONScanner) throws(JSONSyntaxError) -> Bool {
        guard scanner.current == 0x6E else { return false }
        try scanner.skipValue(maxDepth: 1)
        return true
    }

    private func requiredString(_ scanner: inout JSONScanner, _ f: Field) throws -> String {
        guard scanner.current == 0x22 else { throw wrongType(scanner, f, "a string") }
        return try scanner.readString()
    }

    private func optionalString(_ scanner: inout JSONScanner, _ f: Field) throws -> String? {
        if try null(&scanner) { return nil }
        return try requiredString(&scanner, f)
    }

    private func timestamp(_ scanner: inout JSONScanner, _ f: Field) throws -> Timestamp? {
        if try null(&scanner) { return nil }
        guard scanner.current == 0x22 else { throw wrongType(scanner, f, "an RFC 3339 timestamp string") }
        let s = try scanner.scanString()
        let text = UnsafeRawBufferPointer(rebasing: scanner.bytes[s.start..<s.end])
        switch Timestamp.parse(text) {
        case .success(let t): return t
        case .failure(let e):
            throw StoreError.invalid(f.name, "\(e.reason), got \"\(scanner.decode(s))\"")
        }
    }
}
