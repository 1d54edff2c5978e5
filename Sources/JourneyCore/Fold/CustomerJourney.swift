/// Everything the projections know about one customer: stage, advocacy and the history of both.
/// The fold of the customer's events in business order (occurredAt, then position).
public struct CustomerJourney: Sendable, Equatable {
    public var customerId: String
    public var stage: StageState
    public var advocacy: AdvocacyState
    public var transitions: [StageTransition] = []
    public var advocacyChanges: [AdvocacyChange] = []
    /// What the journey map needs (touchpoints by stage, paths, traits).
    public var map = MapState()

    public init(customerId: String, model: CompiledModel) {
        self.customerId = customerId
        stage = StageState(stages: model.model.stages.count)
        advocacy = AdvocacyState(actions: model.model.advocacy.actionIds.count, metrics: model.model.advocacy.metrics.count)
    }

    /// Applies one event in business order; `mapped: false` leaves ``map`` alone (a fold whose
    /// projections do not include the journey map).
    mutating func apply(_ e: ClassifiedEvent, model: CompiledModel, mapped: Bool = true) {
        if let t = stage.apply(e, model: model.model) { transitions.append(t) }
        if let c = advocacy.apply(e, compiled: model) { advocacyChanges.append(c) }
        if mapped { map.apply(e, stage: stage.current) }
    }

    /// A number made of one read from each of the state's separately allocated parts (see
    /// `FoldGroup.warm`).
    func touchAll() -> Int {
        stage.entered.count &+ transitions.count &+ advocacyChanges.count &+ advocacy.touchAll()
            &+ map.touches.count &+ map.recentSlots.count &+ Int(truncatingIfNeeded: stage.lastPosition)
    }

    /// The fold of `events` (any order) from nothing.
    static func fold(customerId: String, _ events: [ClassifiedEvent], model: CompiledModel) -> CustomerJourney {
        var j = CustomerJourney(customerId: customerId, model: model)
        for e in events.sorted(by: ClassifiedEvent.businessOrder) { j.apply(e, model: model) }
        return j
    }
}
