import JourneyStore
public import JourneyJSON

/// A journey model: ordered stages, rules that map events to stages, and the definition of
/// advocacy. A versioned JSON document (`Schemas/journey-model.schema.json`); the default ships
/// as `Schemas/journey-model.default.json` and is used when no other is active.
///
/// Build one with ``parse(_:)``, which validates it and names the JSON path of the first problem.
public struct JourneyModel: Sendable, Equatable {
    /// A name for people, e.g. `default`.
    public var name: String
    /// The version (any non-empty string); recorded in every stage transition.
    public var version: String
    /// The stages in order; a later stage is "further" in the journey.
    public var stages: [String]
    /// Which rule wins when several match an event.
    public var ruleMatching: RuleMatching
    /// Rules mapping events to stages.
    public var rules: [StageRule]
    /// How advocacy is measured.
    public var advocacy: AdvocacyDefinition
    /// Personas: groups of customers by their traits (the latest value, by occurredAt, of each
    /// property of their `identify` events). A customer may be in several or none.
    public var segments: [Segment] = []
    /// A customer with no event for longer than this is at risk as `inactive` (default 30).
    public var inactiveDays: Int = 30
    /// The document as given (compact JSON), kept so the active model can be shown and stored.
    public var document: String

    /// Which matching rule wins.
    public enum RuleMatching: String, Sendable, Equatable {
        /// The first matching rule in document order.
        case first
        /// The matching rule with the highest stage (ties: the first).
        case highestStage
    }
}

/// A persona: the customers whose traits meet every criterion.
public struct Segment: Sendable, Equatable {
    public var id: String
    public var name: String
    public var criteria: [TraitCriterion]
}

/// A criterion on one trait: `equals`, `oneOf` (the value is an array), `exists` (the value is
/// true or false), or a numeric comparison (`<`, `<=`, `>`, `>=`).
public struct TraitCriterion: Sendable, Equatable {
    public var trait: String
    public var op: PropertyPredicate.Operator
    public var value: JSONValue
}

/// A rule: events it matches map to `stage`.
public struct StageRule: Sendable, Equatable {
    public var id: String
    /// Index into ``JourneyModel/stages``.
    public var stage: Int
    public var match: EventMatcher
    /// A regression rule moves the customer back to `stage` (forward-only progression otherwise).
    public var regress: Bool
}

/// What an event must look like for a rule, action or metric to apply.
public struct EventMatcher: Sendable, Equatable {
    /// Allowed types (`nil`: any).
    public var types: [String]?
    /// Allowed touchpoints (`nil`: any).
    public var touchpoints: [String]?
    /// Allowed channels (`nil`: any).
    public var channels: [String]?
    /// Predicates on `properties`, all of which must hold.
    public var properties: [PropertyPredicate]
}

/// A predicate on one property (a dotted path into `properties`).
public struct PropertyPredicate: Sendable, Equatable {
    public var path: [String]
    public var op: Operator
    public var value: JSONValue

    public enum Operator: String, Sendable, Equatable, CaseIterable {
        case equals, oneOf, exists
        case lessThan = "<", lessOrEqual = "<=", greaterThan = ">", greaterOrEqual = ">="
    }
}

/// Advocacy: actions that count, metrics read from events, ordered levels, the detractor flag.
public struct AdvocacyDefinition: Sendable, Equatable {
    /// Action matchers; several may share an id (an action matched either way).
    public var actions: [(id: String, match: EventMatcher)]
    /// Distinct action ids, in first-appearance order.
    public var actionIds: [String]
    /// Metrics: the latest value of a numeric property of matching events (e.g. NPS).
    public var metrics: [Metric]
    /// Levels above `none`, lowest first.
    public var levels: [Level]
    /// When set, the customer is flagged a detractor while this holds.
    public var detractor: Criterion?

    public struct Metric: Sendable, Equatable {
        public var id: String
        public var match: EventMatcher
        public var property: [String]
    }

    public struct Level: Sendable, Equatable {
        public var id: String
        /// All must hold for the level to be reached.
        public var when: [Criterion]
        /// Once reached, kept even when its criteria stop holding (e.g. an advocate stays one).
        public var retain: Bool
    }

    /// A condition over the customer's events so far.
    public enum Criterion: Sendable, Equatable {
        /// The latest value of a metric compared with a number.
        case metric(index: Int, op: PropertyPredicate.Operator, value: Double)
        /// The number of actions (of the given ids, or any) within a window ending at the event.
        case actions(ids: [Int]?, withinDays: Int?, op: PropertyPredicate.Operator, value: Double)
        /// The number of distinct action ids within a window ending at the event.
        case actionTypes(withinDays: Int?, op: PropertyPredicate.Operator, value: Double)
    }

    public static func == (a: AdvocacyDefinition, b: AdvocacyDefinition) -> Bool {
        a.actionIds == b.actionIds && a.metrics == b.metrics && a.levels == b.levels && a.detractor == b.detractor
            && a.actions.count == b.actions.count
            && zip(a.actions, b.actions).allSatisfy { $0.id == $1.id && $0.match == $1.match }
    }
}

extension PropertyPredicate.Operator {
    /// Compares two numbers.
    func compare(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .lessThan: a < b
        case .lessOrEqual: a <= b
        case .greaterThan: a > b
        case .greaterOrEqual: a >= b
        case .equals: a == b
        case .oneOf, .exists: false
        }
    }
}
