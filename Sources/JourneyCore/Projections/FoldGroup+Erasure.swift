import Foundation
import JourneyStore
import LMDBKit

/// Erased customers as the folds see them: where each erasure record sits and under which
/// model the state it keeps was computed.
struct ErasureIndex {
    /// The store's erasure count when this was loaded (-1: never).
    var count = -1
    var byCustomer: [[UInt8]: (position: UInt64, modelVersion: String?)] = [:]
}

/// What an erasure record keeps of a customer's journey: the state the projections held at
/// erasure, without personal values (metric readings such as NPS answers), under one model.
/// Text form: `journey-kept/1;<model version>;<base64 of the journey-history view value>`.
enum KeptJourney {
    static let prefix = "journey-kept/1;"

    static func encode(_ j: CustomerJourney, modelVersion: String) -> String {
        var w = ByteWriter(capacity: 256)
        JourneyViews.encode(j.withoutPersonalValues(), &w)
        return prefix + modelVersion + ";" + Data(w.bytes).base64EncodedString()
    }

    /// The model version a kept text was made under.
    static func modelVersion(of text: String) -> String? {
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        guard let semi = rest.firstIndex(of: ";") else { return nil }
        return String(rest[..<semi])
    }

    /// The kept journey, when it was made under `model`.
    static func decode(_ text: String, model: CompiledModel) -> CustomerJourney? {
        guard modelVersion(of: text) == model.model.version,
              let semi = text.lastIndex(of: ";"), let data = Data(base64Encoded: String(text[text.index(after: semi)...])) else { return nil }
        return try? data.withUnsafeBytes { try JourneyViews.decodeJourney($0, model: model) }
    }
}

extension CustomerJourney {
    /// The journey without personal values: metric readings (e.g. NPS answers) are dropped;
    /// stages, times, counts and levels stay, so that aggregates keep counting the customer.
    func withoutPersonalValues() -> CustomerJourney {
        var j = self
        for i in j.advocacy.metrics.indices { j.advocacy.metrics[i] = nil }
        return j
    }
}

extension FoldGroup {
    /// Reloads the erased customers when their number changed since the last chunk.
    func refreshErasures(log: any LogSnapshot) throws {
        let n = try log.erasureCount()
        guard n != erasures.count else { return }
        var index = ErasureIndex(count: n)
        for (key, position) in try log.erasedCustomers() {
            let version = try log.record(at: position).flatMap(\.erasureKeptText).flatMap(KeptJourney.modelVersion(of:))
            index.byCustomer[key] = (position, version)
        }
        erasures = index
    }

    /// Whether an event is left out of the fold: an erased customer's event before the
    /// erasure, when the erasure kept the journey under this group's model (the kept state
    /// replaces them all; their personal fields could not be read anyway).
    func skips(_ record: RecordView, position: UInt64, key: [UInt8]) -> Bool {
        guard let e = erasures.byCustomer[key] else { return false }
        return position < e.position && e.modelVersion == model.model.version
    }

    /// Applies an erasure record: the customer's state becomes what the record kept (when made
    /// under this model), or otherwise loses its personal values.
    func applyErasure(_ record: RecordView, customer: Int, txn: Transaction) throws {
        let kept = record.erasureKeptText.flatMap { KeptJourney.decode($0, model: model) }
        try replace(customer: customer, record: record, txn: txn) { state in
            if let kept {
                let id = state.customerId  // the journey keeps its name (its canonical id)
                state = kept
                state.customerId = id
            } else {
                state = state.withoutPersonalValues()
            }
        }
    }
}
