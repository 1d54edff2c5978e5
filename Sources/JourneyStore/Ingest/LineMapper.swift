/// Turns one line of an input in another shape than the store's own (Segment's messages,
/// CloudEvents) into an event, for ``NDJSONIngester``. Errors name the field; the ingester adds
/// the line.
public protocol LineMapper: Sendable {
    /// The event of one line; `receivedAt` stands for the time the store got it.
    func event(line: UnsafeRawBufferPointer, receivedAt: Timestamp) throws(StoreError) -> NewEvent
}
