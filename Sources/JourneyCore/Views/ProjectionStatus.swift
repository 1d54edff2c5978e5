/// How one projection is doing (`journeyctl projections`, `GET /v1/projections`).
public struct ProjectionStatus: Sendable, Equatable, Codable {
    /// The projection, e.g. `customer-stage`.
    public var name: String
    /// `live` (following the log) or `rebuilding` (a new generation is being built beside it).
    public var state: String
    /// The last position applied to the view that answers reads.
    public var checkpoint: UInt64
    /// The log's head position.
    public var head: UInt64
    /// Events not yet applied (head − checkpoint).
    public var lag: UInt64
    /// The active generation (increases with every rebuild).
    public var generation: Int
    /// The journey model version the active generation was built with.
    public var modelVersion: String
    /// Events applied per second by this process recently (0 when idle).
    public var eventsPerSecond: Double
    /// The last error this process met applying events, if any.
    public var lastError: String?
    /// The rebuild in progress, if any.
    public var rebuild: RebuildProgress?
    /// Events these views applied without their properties because these did not open
    /// (``ProjectionFault``; the same count for every projection: one fold feeds them all).
    public var faults: Int = 0
}

/// Progress of a rebuild into a new generation.
public struct RebuildProgress: Sendable, Equatable, Codable {
    public var name: String
    public var generation: Int
    public var modelVersion: String
    /// Last position applied to the new generation.
    public var checkpoint: UInt64
    public var head: UInt64
    /// checkpoint / head, 0…1.
    public var fraction: Double
    /// Events per second of the rebuild so far.
    public var eventsPerSecond: Double
    /// Seconds left at that rate (nil before the rate is known).
    public var etaSeconds: Double?
    /// Whether the new generation has replaced the old one.
    public var switched: Bool

    public init(name: String, generation: Int, modelVersion: String, checkpoint: UInt64, head: UInt64, fraction: Double,
                eventsPerSecond: Double, etaSeconds: Double?, switched: Bool) {
        self.name = name
        self.generation = generation
        self.modelVersion = modelVersion
        self.checkpoint = checkpoint
        self.head = head
        self.fraction = fraction
        self.eventsPerSecond = eventsPerSecond
        self.etaSeconds = etaSeconds
        self.switched = switched
    }
}
