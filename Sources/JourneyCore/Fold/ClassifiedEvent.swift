import JourneyJSON

/// What the model makes of one event: everything a fold needs, no strings.
struct ClassifiedEvent: Sendable, Equatable {
    var position: UInt64
    /// Business time, ms since epoch.
    var occurredAt: Int64
    /// The event's version in its stream.
    var version: UInt64
    /// The matching stage rule's index, or −1.
    var rule: Int16 = -1
    /// The advocacy action id's index, or −1.
    var action: Int8 = -1
    /// Metric values the event carries.
    var metrics: [MetricValue] = []
    /// The event's touchpoint in the map (``TouchpointKey``; 0: none).
    var touchpoint: UInt64 = 0
    /// The event's sentiment, if it has one.
    var sentiment: Double?
    /// For an `identify` event, when the model has segments: its properties, the traits.
    var traits: [TraitValue]?

    struct TraitValue: Sendable, Equatable {
        var name: String
        var value: JSONValue
    }

    struct MetricValue: Sendable, Equatable {
        var metric: Int8
        var value: Double
    }

    init(position: UInt64, occurredAt: Int64, version: UInt64) {
        self.position = position
        self.occurredAt = occurredAt
        self.version = version
    }

    /// Business order: by occurredAt, then by position (arrival) for ties.
    static func businessOrder(_ a: ClassifiedEvent, _ b: ClassifiedEvent) -> Bool {
        a.occurredAt != b.occurredAt ? a.occurredAt < b.occurredAt : a.position < b.position
    }
}
