import JourneyStore

/// A customer's current state (or as of a time): `journeyctl customer --json`, `GET /v1/customers/{id}`.
public struct CustomerStateOutput: Sendable, Equatable, Codable {
    /// The id asked about.
    public var customerId: String
    /// The id that names the journey the asked id belongs to (the canonical customer): itself,
    /// unless it was linked or merged into another's.
    public var canonicalId: String?
    /// Every id of the journey (its identity: the canonical first, then linked customers and
    /// anonymous visitors).
    public var identities: [IdentityOutput]?
    /// The current stage, or nil when no event has mapped to a stage yet.
    public var stage: String?
    /// When the current stage was entered.
    public var since: String?
    /// The customer's stream version (events in the stream).
    public var version: UInt64
    public var eventCount: UInt64
    public var firstSeen: String?
    public var lastSeen: String?
    /// Each reached stage, in stage order, with when it was first entered.
    public var stages: [ReachedStage]
    public var advocacy: AdvocacyOutput
    /// The journey model version the answer was computed with.
    public var modelVersion: String
    /// With time travel: the business time and knowledge time asked for.
    public var asOf: String?
    public var knownAt: String?
    /// When the customer was erased: the state is what the erasure kept (no personal values).
    public var erasedAt: String?

    public struct ReachedStage: Sendable, Equatable, Codable {
        public var stage: String
        public var enteredAt: String
    }
}

/// A customer's advocacy state.
public struct AdvocacyOutput: Sendable, Equatable, Codable {
    /// `none` or one of the model's levels.
    public var level: String
    public var since: String?
    /// Whether the detractor criterion holds (default model: latest NPS ≤ 6).
    public var detractor: Bool
    /// Advocacy actions counted, per action.
    public var actions: [String: UInt32]
    /// Latest value of each metric seen (e.g. `nps`), with when and where.
    public var metrics: [String: MetricOutput]

    public struct MetricOutput: Sendable, Equatable, Codable {
        public var value: Double
        public var at: String
        public var position: UInt64
    }
}

/// The audit trail: `journeyctl journey --json`, `GET /v1/customers/{id}/journey`.
public struct JourneyOutput: Sendable, Equatable, Codable {
    /// The id asked about.
    public var customerId: String
    /// The journey's canonical id and every id of it (see ``CustomerStateOutput``).
    public var canonicalId: String?
    public var identities: [IdentityOutput]?
    public var modelVersion: String
    /// Stage transitions in business order.
    public var transitions: [TransitionOutput]
    /// Advocacy level changes in business order, each with its evidence.
    public var advocacy: [AdvocacyChangeOutput]
    /// Every event of the customer in business order, with what the model made of it.
    public var events: [TimelineEvent]
    public var asOf: String?
    public var knownAt: String?
    /// When the customer was erased: transitions are what the erasure kept; events are
    /// classified without their (destroyed) properties.
    public var erasedAt: String?

    public struct TransitionOutput: Sendable, Equatable, Codable {
        public var from: String?
        public var to: String
        public var at: String
        public var eventId: String
        public var position: UInt64
        public var type: String
        public var rule: String
        public var regression: Bool
        public var modelVersion: String
    }

    public struct AdvocacyChangeOutput: Sendable, Equatable, Codable {
        public var from: String
        public var to: String
        public var at: String
        public var eventId: String
        public var position: UInt64
        public var evidence: [EventReference]
    }

    public struct EventReference: Sendable, Equatable, Codable {
        public var eventId: String
        public var position: UInt64
        public var type: String
        public var occurredAt: String
    }

    public struct TimelineEvent: Sendable, Equatable, Codable {
        public var position: UInt64
        public var eventId: String
        public var type: String
        public var occurredAt: String
        public var recordedAt: String
        /// The stage the event maps to, or nil (an event type the model does not know).
        public var stage: String?
        public var rule: String?
        /// Whether this event moved the customer to another stage.
        public var moved: Bool
        /// The advocacy action it counts as, if any.
        public var action: String?
        /// Where it happened and how the customer felt, as recorded.
        public var touchpoint: String?
        public var channel: String?
        public var sentiment: Double?
    }
}

/// The funnel: `journeyctl funnel --json`, `GET /v1/funnel`.
public struct FunnelOutput: Sendable, Equatable, Codable {
    public var modelVersion: String
    /// Customers with at least one event.
    public var customers: Int64
    /// Customers none of whose events maps to a stage.
    public var noStage: Int64
    public var stages: [FunnelStage]

    public struct FunnelStage: Sendable, Equatable, Codable {
        public var stage: String
        /// Customers whose current stage this is.
        public var current: Int64
        /// Customers who ever reached it.
        public var reached: Int64
        /// reached(next) / reached(this), or nil for the last stage or when none reached it.
        public var conversionToNext: Double?
        /// Time from entering this stage to entering the next, over customers who did both.
        public var toNext: Durations?
    }

    public struct Durations: Sendable, Equatable, Codable {
        public var customers: Int64
        public var medianSeconds: Double?
        public var p90Seconds: Double?
    }
}

/// A page of customers (by stage, or advocates by level), with the cursor for the next page.
public struct CustomerPage: Sendable, Equatable, Codable {
    public var customers: [Entry]
    /// Pass as `after` for the next page; nil on the last page.
    public var next: String?

    public struct Entry: Sendable, Equatable, Codable {
        public var customerId: String
        public var stage: String?
        public var level: String?
        public var since: String?
    }
}

func iso(_ ms: Int64) -> String { Timestamp(milliseconds: ms).rfc3339 }

/// One id of a journey: a customer's id, or an anonymous visitor's.
public struct IdentityOutput: Sendable, Equatable, Codable {
    public var id: String
    /// `customer` or `anonymous`.
    public var kind: String

    public init(id: String, kind: String) {
        self.id = id
        self.kind = kind
    }
}
