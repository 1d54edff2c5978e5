/// An event the projections could not read in full: its sealed `properties` did not open
/// (wrong key, no key, damage). The projections applied the event without its properties and
/// went on; the fault stays recorded until the store is rebuilt from a repaired log.
///
/// Listed by `journeyctl projections --faults`, `GET /v1/projections/faults`, counted in
/// `journeyctl projections`, `doctor` and the `journey_projection_faults` metric.
public struct ProjectionFault: Sendable, Equatable, Codable {
    /// The event's position in the log.
    public var position: UInt64
    public var eventId: String
    public var customerId: String
    /// What went wrong, as the store reported it.
    public var problem: String

    public init(position: UInt64, eventId: String, customerId: String, problem: String) {
        self.position = position
        self.eventId = eventId
        self.customerId = customerId
        self.problem = problem
    }
}
