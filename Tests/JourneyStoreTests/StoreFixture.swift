import Foundation
import JourneyStore
import JourneyTestSupport
import JourneyJSON

/// A store in a fresh temporary folder, closed and removed when released.
final class StoreFixture: Sendable {
    let directory: TemporaryDirectory
    let store: EventStore

    init(_ configure: (inout StoreConfiguration) -> Void = { _ in }) throws {
        directory = TemporaryDirectory("store")
        var config = StoreConfiguration(directory: directory.appending("data"))
        configure(&config)
        store = try EventStore(config)
    }

    /// Opens another store on the same folder (after closing this one).
    func reopen(_ configure: (inout StoreConfiguration) -> Void = { _ in }) throws -> EventStore {
        store.close()
        var config = StoreConfiguration(directory: directory.appending("data"))
        configure(&config)
        return try EventStore(config)
    }

    deinit { store.close() }
}

func event(_ customer: String, _ type: String = "page_view", id: String? = nil, at: String? = nil,
           properties: String? = nil, sentiment: Double? = nil) -> NewEvent {
    NewEvent(
        id: id, customerId: customer, type: type, occurredAt: at.flatMap { Timestamp(rfc3339: $0) },
        touchpoint: "web_page", channel: "web", sentiment: sentiment,
        properties: properties.flatMap { try? JSONObjectText(validating: $0) })
}
