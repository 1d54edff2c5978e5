public import JourneyStore
import LMDBKit

/// The read-only side of the journey layer: answers from the views (and, for time travel,
/// from the customer's stream), never writing anything.
public struct JourneyQueries: Sendable {
    let viewStore: ViewStore
    let live: LiveProjections

    /// The customer's current stage from the customer-stage view: the fast path for look-ups
    /// (no allocation beyond the answer). `nil` when the customer has no stage yet; throws
    /// `not_found` for a customer the view does not hold.
    public func stage(of customerId: String) throws(StoreError) -> String? {
        do {
            return try viewStore.readViews { txn -> String? in
                let record = try viewStore.projectionRecord(.journeyHistory, in: txn)
                let model = try viewStore.compiledModel(record.modelVersion, in: txn)
                let view = viewStore.dbs.view(.journeyHistory, "view", slot: record.slot)
                var id = customerId
                let raw: UnsafeRawBufferPointer? = try id.withUTF8 { utf8 in
                    utf8.count <= CustomerKey.maxInlineBytes
                        ? try txn.get(view, key: UnsafeRawBufferPointer(utf8))
                        : try txn.get(view, key: CustomerKey.of(customerId))
                }
                guard let raw = try raw ?? locate(customerId, slot: record.slot, txn: txn)?.raw else { throw Self.notFound(customerId) }
                var r = ByteReader(raw)
                _ = r.u8()
                let n = Int(r.varint())
                r.index += n
                let current = Int(r.svarint())
                guard !r.failed, current < model.model.stages.count else {
                    throw StoreError(.corrupt, "the journey-history view of \(customerId) does not decode; rebuild the projections")
                }
                return current >= 0 ? model.model.stages[current] : nil
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    package static func notFound(_ customerId: String) -> StoreError {
        StoreError(.notFound, "customer \(customerId) is not known to this store")
    }

    /// The customer's current state from the views, or, with `asOf` (business time) and/or
    /// `knownAt` (recording time), as it was: computed from the customer's stream, leaving out
    /// events after `asOf` and events recorded after `knownAt`.
    public func customer(_ customerId: String, asOf: Timestamp? = nil, knownAt: Timestamp? = nil) throws(StoreError) -> CustomerStateOutput {
        if asOf != nil || knownAt != nil {
            let (journey, model, _) = try timeTravel(customerId, asOf: asOf, knownAt: knownAt)
            var out = Self.output(stage: journey.stage, advocacy: journey.advocacy, customerId: customerId, model: model)
            out.canonicalId = journey.customerId
            out.asOf = asOf?.rfc3339
            out.knownAt = knownAt?.rfc3339
            return out
        }
        return try viewStore.withLiveViews { txn, log, views in
            let (record, model) = try views(.journeyHistory)
            guard let found = try locate(customerId, slot: record.slot, txn: txn) else { throw Self.notFound(customerId) }
            let (canonical, stage, advocacy) = try JourneyViews.decodeState(found.raw, model: model)
            var out = Self.output(stage: stage, advocacy: advocacy, customerId: customerId, model: model)
            out.canonicalId = canonical
            out.identities = found.identities
            out.erasedAt = try found.streams.lazy.compactMap { try log.erasure(of: $0) }.first?.erasedAt.rfc3339
            return out
        }
    }

    /// The customer's audit trail from the journey-history view (or, with time travel, from
    /// the stream), with every event of the customer and what the model made of it.
    public func journey(_ customerId: String, asOf: Timestamp? = nil, knownAt: Timestamp? = nil) throws(StoreError) -> JourneyOutput {
        let stored: CustomerJourney
        let model: CompiledModel
        let streams: [StreamID]
        if asOf != nil || knownAt != nil {
            (stored, model, streams) = try timeTravel(customerId, asOf: asOf, knownAt: knownAt)
        } else {
            (stored, model, streams) = try viewStore.withLiveViews { txn, log, views in
                let (record, model) = try views(.journeyHistory)
                guard let found = try locate(customerId, slot: record.slot, txn: txn) else { throw Self.notFound(customerId) }
                return (try JourneyViews.decodeJourney(found.raw, model: model), model, found.streams)
            }
        }
        var out = try viewStore.withLiveViews { txn, log, views in
            // Without time travel the timeline stops where the view does.
            let upTo = asOf == nil && knownAt == nil
                ? try viewStore.dbs.checkpoint(.journeyHistory, slot: try views(.journeyHistory).0.slot, in: txn) : .max
            return try describe(stored, streams: streams, model: model, asOf: asOf, knownAt: knownAt, upTo: upTo, log: log)
        }
        out.customerId = customerId
        out.canonicalId = stored.customerId
        out.asOf = asOf?.rfc3339
        out.knownAt = knownAt?.rfc3339
        try viewStore.withLiveViews { txn, log, views in
            let found = try locate(customerId, slot: try views(.journeyHistory).0.slot, txn: txn)
            if asOf == nil && knownAt == nil { out.identities = found?.identities }
            out.erasedAt = try (found?.streams ?? [.customer(customerId)]).lazy.compactMap { try log.erasure(of: $0) }.first?.erasedAt.rfc3339
        }
        return out
    }

    /// The funnel from the funnel view.
    public func funnel() throws(StoreError) -> FunnelOutput {
        try viewStore.withLiveViews { txn, log, views in
            let (record, model) = try views(.funnel)
            let db = viewStore.dbs.view(.funnel, "aggregates", slot: record.slot)
            let stages = model.model.stages
            let c = try FunnelAggregates.read(db, stages: stages.count, txn: txn)
            var out = FunnelOutput(modelVersion: record.modelVersion, customers: c.customers, noStage: c.noStage, stages: [])
            for (i, name) in stages.enumerated() {
                var s = FunnelOutput.FunnelStage(stage: name, current: c.current[i], reached: c.reached[i])
                if i + 1 < stages.count {
                    if c.reached[i] > 0 { s.conversionToNext = Double(c.reached[i + 1]) / Double(c.reached[i]) }
                    let n = c.pairs[i]
                    var d = FunnelOutput.Durations(customers: n)
                    if n > 0 {
                        let ranks = [Int64((Double(n) * 0.5).rounded(.up)), Int64((Double(n) * 0.9).rounded(.up))]
                        let values = try Self.durations(at: ranks, pair: i, db: db, txn: txn)
                        d.medianSeconds = values[0].map { Double($0) / 1000 }
                        d.p90Seconds = values[1].map { Double($0) / 1000 }
                    }
                    s.toNext = d
                }
                out.stages.append(s)
            }
            return out
        }
    }

    /// The durations (ms) at the given 1-based ranks among a stage pair's sorted durations.
    static func durations(at ranks: [Int64], pair: Int, db: Database, txn: Transaction) throws -> [UInt64?] {
        var out = [UInt64?](repeating: nil, count: ranks.count)
        try txn.withCursor(db) { c in
            var rank: Int64 = 0
            var entry = try c.seek(atLeast: [0x02, UInt8(pair)])
            while let e = entry, e.key.count >= 10, e.key[0] == 0x02, e.key[1] == UInt8(pair) {
                rank += 1
                for (i, r) in ranks.enumerated() where r == rank {
                    out[i] = UInt64(bigEndian: e.key.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
                }
                if rank >= ranks.max() ?? 0 { break }
                entry = try c.next()
            }
        }
        return out
    }

    /// Customers whose current stage is `stage`, in customer-key order, `limit` at a time after
    /// the customer id `after` (the previous page's `next`).
    public func customers(inStage stage: String, after: String? = nil, limit: Int = 100) throws(StoreError) -> CustomerPage {
        try viewStore.withLiveViews { txn, log, views in
            let (record, model) = try views(.customerStage)
            guard let index = model.model.stages.firstIndex(of: stage) else {
                throw StoreError(.notFound, "unknown stage \(stage) (the model's stages are \(model.model.stages.joined(separator: ", ")))")
            }
            let view = viewStore.dbs.view(.journeyHistory, "view", slot: try views(.journeyHistory).0.slot)
            let p = try page(index: viewStore.dbs.view(.customerStage, "index", slot: record.slot), prefixes: [UInt8(index)],
                             after: after.map { (UInt8(index), $0) }, limit: limit, txn: txn) { key in
                guard let raw = try txn.get(view, key: key) else { return nil }
                let j = try JourneyViews.decodeJourney(raw, model: model)
                return .init(customerId: j.customerId, stage: stage, level: nil, since: iso(j.stage.since))
            }
            return CustomerPage(customers: p.entries, next: p.more ? p.last?.1 : nil)
        }
    }

    /// Advocates (customers above level `none`), highest level first, optionally of one `level`;
    /// `after` is the previous page's `next` (`<level number>:<customer id>`).
    public func advocates(level: String? = nil, after: String? = nil, limit: Int = 100) throws(StoreError) -> CustomerPage {
        try viewStore.withLiveViews { txn, log, views in
            let (record, model) = try views(.advocacy)
            let levels = model.model.advocacy.levels.map(\.id)
            var prefixes: [UInt8] = Array(1...UInt8(levels.count)).reversed()
            if let level {
                guard let i = levels.firstIndex(of: level) else {
                    throw StoreError(.notFound, "unknown advocacy level \(level) (the model's levels are \(levels.joined(separator: ", ")))")
                }
                prefixes = [UInt8(i + 1)]
            }
            var cursor: (UInt8, String)?
            if let after {
                guard let colon = after.firstIndex(of: ":"), let n = UInt8(after[..<colon]) else {
                    throw StoreError(.invalidArgument, "after: expected a cursor <level number>:<customer id>, got \(after)")
                }
                cursor = (n, String(after[after.index(after: colon)...]))
            }
            let view = viewStore.dbs.view(.journeyHistory, "view", slot: try views(.journeyHistory).0.slot)
            let p = try page(index: viewStore.dbs.view(.advocacy, "index", slot: record.slot), prefixes: prefixes, after: cursor, limit: limit, txn: txn) { key in
                guard let raw = try txn.get(view, key: key) else { return nil }
                let j = try JourneyViews.decodeJourney(raw, model: model)
                guard j.advocacy.level > 0 else { return nil }
                return .init(customerId: j.customerId, stage: nil, level: levels[j.advocacy.level - 1], since: iso(j.advocacy.since))
            }
            return CustomerPage(customers: p.entries, next: p.more ? p.last.map { "\($0.0):\($0.1)" } : nil)
        }
    }

    /// Walks index entries `prefix ‖ customer key` for each prefix in turn, starting after the
    /// position `after` = (prefix, customer id) when given.
    private func page(
        index: Database, prefixes: [UInt8], after: (UInt8, String)?, limit: Int, txn: Transaction,
        entry make: ([UInt8]) throws -> CustomerPage.Entry?
    ) throws -> (entries: [CustomerPage.Entry], last: (UInt8, String)?, more: Bool) {
        guard limit >= 1 && limit <= 10_000 else { throw StoreError(.invalidArgument, "limit must be 1…10000, got \(limit)") }
        var remaining = prefixes
        if let (p, _) = after {
            // Prefixes are walked in the given order; resume at the cursor's, or the next one.
            if let i = prefixes.firstIndex(of: p) {
                remaining = Array(prefixes[i...])
            } else {
                let descending = prefixes.count > 1 && prefixes[0] > prefixes[1]
                remaining = prefixes.filter { descending ? $0 < p : $0 > p }
            }
        }
        var out: [CustomerPage.Entry] = []
        var last: (UInt8, String)?
        var more = false
        try txn.withCursor(index) { c in
            for prefix in remaining {
                var entry: Cursor.Entry?
                if let (p, id) = after, p == prefix {
                    let start = [p] + CustomerKey.of(id)
                    entry = try c.seek(atLeast: start)
                    if let e = entry, Array(e.key) == start { entry = try c.next() }
                } else {
                    entry = try c.seek(atLeast: [prefix])
                }
                while let e = entry, e.key.first == prefix {
                    if out.count == limit { more = true; return }
                    if let item = try make(Array(e.key.dropFirst())) {
                        out.append(item)
                        last = (prefix, item.customerId)
                    }
                    entry = try c.next()
                }
            }
        }
        return (out, last, more)
    }
}
