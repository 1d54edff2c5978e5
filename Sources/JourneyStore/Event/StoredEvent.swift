public import JourneyJSON
/// An event as stored: the client's fields plus `position`, `version` and `recordedAt`.
///
/// Owns a copy of the stored record; fields decode on access. ``jsonLine`` gives the public
/// JSON shape (the same one `journeyctl events` prints and the HTTP API returns).
public struct StoredEvent: Sendable, Equatable {
    /// Place in the whole log, 1-based, gapless.
    public let position: UInt64
    /// The record bytes as stored (chain hash included), except that sealed properties are
    /// opened (or, for an erased customer, removed: see ``redacted``).
    public let record: [UInt8]

    init(position: UInt64, record: UnsafeRawBufferPointer) {
        self.position = position
        self.record = Array(record)
    }

    package init(position: UInt64, bytes: [UInt8]) {
        self.position = position
        self.record = bytes
    }

    /// Runs `body` with a view of the record.
    public func withView<R>(_ body: (RecordView) throws -> R) rethrows -> R {
        try record.withUnsafeBytes { try body(RecordView($0)!) }
    }

    public var version: UInt64 { withView { $0.version } }
    public var id: String { withView { $0.id } }
    public var customerId: String { withView { $0.customerId } }
    public var type: String { withView { $0.type } }
    public var occurredAt: Timestamp { withView { $0.occurredAt } }
    public var recordedAt: Timestamp { withView { $0.recordedAt } }
    public var touchpoint: String? { withView { $0.touchpoint } }
    public var channel: String? { withView { $0.channel } }
    public var sentiment: Double? { withView { $0.sentiment } }
    public var properties: JSONObjectText? { withView { $0.properties } }
    /// Whether the customer was erased, so the event's properties are gone.
    public var redacted: Bool { withView { $0.isRedacted } }
    /// Whether this is the erasure record of its customer.
    public var isErasure: Bool { withView { $0.isErasure } }

    /// The event in its public JSON shape, compact, without a trailing newline.
    public var json: String {
        var out: [UInt8] = []
        out.reserveCapacity(record.count + 128)
        withView { EventJSON.append($0, position: position, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}
