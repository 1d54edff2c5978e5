/// The journey map (`GET /v1/map`, `journeyctl map --json`): for one segment (or everyone) and
/// optionally one cohort, per stage in model order, the numbers a journey map shows. Every rate
/// comes with the number of customers it is over: small groups are noisy.
public struct MapOutput: Sendable, Equatable, Codable {
    public var modelVersion: String
    /// `all`, or a segment of the model.
    public var segment: String
    public var segmentName: String
    /// The cohort: customers first seen in [from, to) (absent: everyone).
    public var from: String?
    public var to: String?
    /// The reference time for in progress / stalled.
    public var at: String
    /// Customers in the map (in the segment and cohort).
    public var customers: Int64
    /// The least number of customers a touchpoint needs to be a moment of truth or pain point.
    public var minSupport: Int64
    public var stages: [Stage]

    public struct Stage: Sendable, Equatable, Codable {
        public var stage: String
        public var reached: Int64
        public var current: Int64
        /// Of the customers who reached this stage, the share who reached the next (as the funnel).
        public var conversionToNext: Double?
        /// Of the customers who reached this stage, the share who reached any later one: the
        /// base of each touchpoint's lift.
        public var advanceRate: Double?
        public var timeToNext: Durations?
        /// Customers now in the stage for less than its p90 time to next (at `at`), and longer.
        public var inProgress: Int64
        public var stalled: Int64
        /// The mean sentiment of the events met in the stage (the emotion curve), and how many.
        public var sentiment: Sentiment
        public var kpis: KPIs
        public var touchpoints: [Touchpoint]
        public var momentsOfTruth: [Touchpoint]
        public var painPoints: [Touchpoint]
    }

    public struct Durations: Sendable, Equatable, Codable {
        public var customers: Int64
        public var p50Seconds: Double?
        public var p75Seconds: Double?
        public var p90Seconds: Double?
        public var p95Seconds: Double?
    }

    public struct Sentiment: Sendable, Equatable, Codable {
        public var mean: Double?
        public var count: Int64
    }

    public struct KPIs: Sendable, Equatable, Codable {
        /// NPS over the customers now in the stage with a reading: promoters (≥ 9) minus
        /// detractors (≤ 6), in percent.
        public var nps: NPS?
        /// The mean of every other metric the model defines, over the customers now in the stage.
        public var metrics: [String: Mean]
        /// Advocacy actions per customer now in the stage (reported for every stage).
        public var actionsPerCustomer: Double?
    }

    public struct NPS: Sendable, Equatable, Codable {
        public var score: Double
        public var customers: Int64
        public var promoters: Int64
        public var detractors: Int64
    }

    public struct Mean: Sendable, Equatable, Codable {
        public var mean: Double
        public var customers: Int64
    }

    /// A touchpoint met in a stage: (type, touchpoint, channel).
    public struct Touchpoint: Sendable, Equatable, Codable {
        public var type: String
        public var touchpoint: String?
        public var channel: String?
        public var events: Int64
        public var customers: Int64
        public var sentiment: Double?
        /// Of its events with a sentiment, the share below 0.
        public var negativeShare: Double?
        /// Of the customers who met it in the stage, the share who reached a later stage.
        public var advanceRate: Double?
        /// `advanceRate` over the stage's: above 1 it goes with moving on, below 1 with staying.
        public var lift: Double?
        /// For moments of truth: `raises` or `lowers` the chance to move on (a correlation, not a cause).
        public var effect: String?
        /// For pain points: `sentiment` (mean below the threshold) and/or `lift` (below the threshold).
        public var reasons: [String]?
    }
}

/// `GET /v1/map/paths`: the most frequent last three touchpoints in a stage of the customers
/// who stalled in it, and of those who went on from it.
public struct MapPathsOutput: Sendable, Equatable, Codable {
    public var stage: String
    public var segment: String
    public var at: String
    public var stalled: [Path]
    public var wentOn: [Path]

    public struct Path: Sendable, Equatable, Codable {
        /// Oldest first: `type · touchpoint · channel`.
        public var touchpoints: [String]
        public var customers: Int64
    }
}

/// `GET /v1/customers/at-risk`: customers now stalled, detractors or inactive.
public struct AtRiskPage: Sendable, Equatable, Codable {
    public var at: String
    public var customers: [AtRisk]
    /// Pass as `after` for the next page (absent at the end).
    public var next: String?
    /// The key of the last customer listed (not part of the JSON).
    var lastKey: [UInt8] = []

    enum CodingKeys: String, CodingKey { case at, customers, next }

    public struct AtRisk: Sendable, Equatable, Codable {
        public var customerId: String
        public var reasons: [String]
        public var stage: String?
        public var since: String?
        public var lastSeen: String?
        public var lastTouchpoint: String?
    }
}
