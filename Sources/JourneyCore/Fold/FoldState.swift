/// The per-customer state the projections keep and advance event by event (in business
/// order): the full ``CustomerJourney``, persisted in the journey-history view.
extension CustomerJourney {
    /// Whether an event sorts before the last applied one in business order.
    func isLate(_ e: ClassifiedEvent) -> Bool {
        e.occurredAt < stage.lastOccurredAt || (e.occurredAt == stage.lastOccurredAt && e.position < stage.lastPosition)
    }

    func encode(_ w: inout ByteWriter) { ViewCodec.write(self, &w) }

    static func decode(_ r: inout ByteReader, customerId: String, model: CompiledModel) -> CustomerJourney {
        ViewCodec.readJourney(&r, customerId: customerId, model: model)
    }
}
