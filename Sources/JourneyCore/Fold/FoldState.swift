/// A per-customer state a projection keeps and advances event by event (in business order).
protocol FoldState: Sendable, Equatable {
    init(customerId: String, model: CompiledModel)
    var customerId: String { get }
    /// The last applied event in business order (to recognise late events).
    var lastOccurredAt: Int64 { get }
    var lastPosition: UInt64 { get }
    mutating func apply(_ e: ClassifiedEvent, model: CompiledModel)
    func encode(_ w: inout ByteWriter)
    static func decode(_ r: inout ByteReader, customerId: String, model: CompiledModel) -> Self
}

extension FoldState {
    /// Whether an event sorts before the last applied one in business order.
    func isLate(_ e: ClassifiedEvent) -> Bool {
        e.occurredAt < lastOccurredAt || (e.occurredAt == lastOccurredAt && e.position < lastPosition)
    }
}

/// The customer-stage projection's state.
struct StageView: FoldState {
    var customerId: String
    var stage: StageState

    init(customerId: String, model: CompiledModel) {
        self.customerId = customerId
        stage = StageState(stages: model.model.stages.count)
    }

    var lastOccurredAt: Int64 { stage.lastOccurredAt }
    var lastPosition: UInt64 { stage.lastPosition }

    mutating func apply(_ e: ClassifiedEvent, model: CompiledModel) {
        _ = stage.apply(e, model: model.model)
    }

    func encode(_ w: inout ByteWriter) { ViewCodec.write(stage, &w) }

    static func decode(_ r: inout ByteReader, customerId: String, model: CompiledModel) -> StageView {
        var v = StageView(customerId: customerId, model: model)
        v.stage = ViewCodec.readStage(&r, stages: model.model.stages.count)
        return v
    }
}

/// The advocacy projection's state.
struct AdvocacyView: FoldState {
    var customerId: String
    var advocacy: AdvocacyState
    var lastOccurredAt: Int64 = .min
    var lastPosition: UInt64 = 0

    init(customerId: String, model: CompiledModel) {
        self.customerId = customerId
        advocacy = AdvocacyState(actions: model.model.advocacy.actionIds.count, metrics: model.model.advocacy.metrics.count)
    }

    mutating func apply(_ e: ClassifiedEvent, model: CompiledModel) {
        _ = advocacy.apply(e, compiled: model)
        lastOccurredAt = e.occurredAt
        lastPosition = e.position
    }

    func encode(_ w: inout ByteWriter) {
        w.svarint(lastOccurredAt)
        w.varint(lastPosition)
        ViewCodec.write(advocacy, &w)
    }

    static func decode(_ r: inout ByteReader, customerId: String, model: CompiledModel) -> AdvocacyView {
        var v = AdvocacyView(customerId: customerId, model: model)
        v.lastOccurredAt = r.svarint()
        v.lastPosition = r.varint()
        v.advocacy = ViewCodec.readAdvocacy(&r, actions: model.model.advocacy.actionIds.count, metrics: model.model.advocacy.metrics.count)
        return v
    }
}

extension CustomerJourney: FoldState {
    var lastOccurredAt: Int64 { stage.lastOccurredAt }
    var lastPosition: UInt64 { stage.lastPosition }

    func encode(_ w: inout ByteWriter) { ViewCodec.write(self, &w) }

    static func decode(_ r: inout ByteReader, customerId: String, model: CompiledModel) -> CustomerJourney {
        ViewCodec.readJourney(&r, customerId: customerId, model: model)
    }
}
