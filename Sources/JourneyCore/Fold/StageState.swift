/// A customer's stage, as of the events applied so far (in business order).
///
/// Forward-only: the current stage is the highest reached, unless a regression rule moved the
/// customer back. Skipped stages stay unreached. `entered[i]` is when stage `i` was first entered.
public struct StageState: Sendable, Equatable {
    /// Index of the current stage, or −1 before any event maps to a stage.
    public var current: Int = -1
    /// When the current stage was (last) entered.
    public var since: Int64 = 0
    /// When each stage was first entered (`nil`: never).
    public var entered: [Int64?]
    /// Events applied.
    public var eventCount: UInt64 = 0
    /// The highest stream version applied.
    public var version: UInt64 = 0
    /// Earliest and latest business time seen.
    public var firstSeen: Int64 = .max
    public var lastSeen: Int64 = .min
    /// The last applied event in business order, to recognise late events.
    public var lastOccurredAt: Int64 = .min
    public var lastPosition: UInt64 = 0

    public init(stages: Int) {
        entered = Array(repeating: nil, count: stages)
    }

    /// Whether an event at (`occurredAt`, `position`) sorts before the last applied one.
    func isLate(occurredAt: Int64, position: UInt64) -> Bool {
        occurredAt < lastOccurredAt || (occurredAt == lastOccurredAt && position < lastPosition)
    }
}

/// One stage change in a customer's history.
public struct StageTransition: Sendable, Equatable {
    /// From stage index (−1: none yet).
    public var from: Int
    public var to: Int
    /// Business time of the causing event.
    public var at: Int64
    /// The causing event's position.
    public var position: UInt64
    /// Index of the rule that matched.
    public var rule: Int
    /// Whether a regression rule moved the customer back.
    public var regression: Bool
}

extension StageState {
    /// Applies one event (in business order); returns the transition it causes, if any.
    mutating func apply(_ e: ClassifiedEvent, model: JourneyModel) -> StageTransition? {
        eventCount += 1
        version = max(version, e.version)
        firstSeen = min(firstSeen, e.occurredAt)
        lastSeen = max(lastSeen, e.occurredAt)
        lastOccurredAt = e.occurredAt
        lastPosition = e.position
        guard e.rule >= 0 else { return nil }
        let rule = model.rules[Int(e.rule)]
        let target = rule.stage
        let moves = rule.regress ? (current >= 0 && target < current) : target > current
        guard moves else { return nil }
        let t = StageTransition(from: current, to: target, at: e.occurredAt, position: e.position, rule: Int(e.rule), regression: rule.regress)
        current = target
        since = e.occurredAt
        if entered[target] == nil { entered[target] = e.occurredAt }
        return t
    }
}
