/// The projections (views) the journey layer keeps, each with its own checkpoint and two
/// slots of databases (the active one answers reads; the other receives rebuilds).
///
/// All are fed by one fold per customer (stage, advocacy and their history), whose state
/// the journey-history view persists; the others keep what they add to it: customer-stage an
/// index of customers by stage, advocacy an index by level, funnel the counts and durations,
/// journey-map the map's aggregates and indexes. Rebuilding journey-history rebuilds all (it holds the state the others derive from).
public enum ProjectionKind: String, CaseIterable, Sendable, Codable {
    /// Each customer's current stage, entry time of every reached stage, version, first and last seen.
    case customerStage = "customer-stage"
    /// Each customer's audit trail: stage transitions and advocacy changes with their evidence.
    case journeyHistory = "journey-history"
    /// Each customer's advocacy level, counts per action, latest metrics, detractor flag.
    case advocacy
    /// Customers per stage now and ever, conversion, time between consecutive stages.
    case funnel
    /// The journey map: per segment and stage, touchpoints, sentiment, KPIs, paths, and the
    /// indexes behind in-progress, stalled, cohorts and customers at risk.
    case journeyMap = "journey-map"

    /// The databases of one slot: a name suffix for each.
    var databaseSuffixes: [String] {
        switch self {
        case .customerStage: ["index"]
        case .journeyHistory: ["view", "identity", "identity-members", "identity-edges"]
        case .advocacy: ["index"]
        case .funnel: ["aggregates"]
        case .journeyMap: ["aggregates", "index", "names"]
        }
    }

    /// The LMDB database name of one of this projection's databases in `slot` (0 or 1).
    func databaseName(_ suffix: String, slot: Int) -> String {
        "view:\(rawValue):\(suffix):\(slot == 0 ? "a" : "b")"
    }
}
