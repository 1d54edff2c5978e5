import JourneyJSON

/// What an erasure asks of the writer (see ``EventStore/erase(_:)``).
struct ErasureRequest: Sendable {
    var customerId: String
    /// The erasure record's properties: who, why, and what the layers above keep.
    var properties: JSONObjectText
    /// Erase only if the customer's stream is at this version (what the attachment was made from).
    var expectedVersion: UInt64?
}
