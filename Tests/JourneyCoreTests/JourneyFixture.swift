import Foundation
@testable import JourneyCore
import JourneyStore
import JourneyTestSupport
import JourneyJSON

/// A store and its journey engine in a temporary folder.
final class JourneyFixture: @unchecked Sendable {
    let directory = TemporaryDirectory("journey")
    let store: EventStore
    let engine: JourneyEngine

    /// `masterKey`: an encrypted store (sealed properties, erasure).
    init(masterKey: MasterKey? = nil, configuration: EngineConfiguration = EngineConfiguration(), storeIdentities: IdentityRules = IdentityRules()) throws {
        var config = StoreConfiguration(directory: directory.appending("data"))
        config.masterKey = masterKey
        config.identities = storeIdentities
        store = try EventStore(config)
        engine = try JourneyEngine(store: store, configuration: configuration)
    }

    deinit { store.close() }

    /// Appends events (in the order given) and brings the views up to date.
    @discardableResult
    func append(_ events: [NewEvent], catchUp: Bool = true) async throws -> AppendResult {
        let r = try await store.append(events)
        if catchUp { try engine.live.catchUp() }
        return r
    }

    /// Appends `events` in order, in batches of 1…`maxBatch` events, bringing the views up to
    /// date after a random half of the batches (so that some are applied late, together), then
    /// after all of them.
    func appendInRandomBatches(_ events: [NewEvent], maxBatch: Int, using rng: inout PropertyTests.SplitMix) async throws {
        var i = 0
        while i < events.count {
            let n = Int.random(in: 1...maxBatch, using: &rng)
            try await append(Array(events[i..<min(events.count, i + n)]), catchUp: Bool.random(using: &rng))
            i += n
        }
        try engine.live.catchUp()
    }
}

/// An event at a day offset (2026-01-01 + `day` days + `minute` minutes).
func ev(_ customer: String, _ type: String, day: Double, id: String? = nil, properties: String? = nil) -> NewEvent {
    let base = Timestamp(rfc3339: "2026-01-01T00:00:00Z")!.milliseconds
    return NewEvent(
        id: id, customerId: customer, type: type, occurredAt: Timestamp(milliseconds: base + Int64(day * 86_400_000)),
        properties: properties.flatMap { try? JSONObjectText(validating: $0) })
}

func day(_ d: Double) -> String {
    Timestamp(milliseconds: Timestamp(rfc3339: "2026-01-01T00:00:00Z")!.milliseconds + Int64(d * 86_400_000)).rfc3339
}
