/// Encodings of the per-customer view values (format 2: format 1 and the map state). Each
/// starts with the customer id.
enum ViewCodec {
    static let format: UInt8 = 2

    static func write(_ s: StageState, _ w: inout ByteWriter) {
        w.svarint(Int64(s.current))
        w.svarint(s.since)
        for e in s.entered {
            if let e { w.u8(1); w.svarint(e) } else { w.u8(0) }
        }
        w.varint(s.eventCount)
        w.varint(s.version)
        w.svarint(s.firstSeen == .max ? 0 : s.firstSeen)
        w.svarint(s.lastSeen == .min ? 0 : s.lastSeen)
        w.svarint(s.lastOccurredAt == .min ? 0 : s.lastOccurredAt)
        w.varint(s.lastPosition)
    }

    static func readStage(_ r: inout ByteReader, stages: Int) -> StageState {
        var s = StageState(stages: stages)
        s.current = Int(r.svarint())
        s.since = r.svarint()
        for i in 0..<stages { s.entered[i] = r.u8() == 1 ? r.svarint() : nil }
        s.eventCount = r.varint()
        s.version = r.varint()
        s.firstSeen = r.svarint()
        s.lastSeen = r.svarint()
        s.lastOccurredAt = r.svarint()
        s.lastPosition = r.varint()
        if s.eventCount == 0 {
            s.firstSeen = .max
            s.lastSeen = .min
            s.lastOccurredAt = .min
        }
        return s
    }

    static func write(_ a: AdvocacyState, _ w: inout ByteWriter) {
        w.varint(UInt64(a.level))
        w.svarint(a.since)
        w.varint(UInt64(a.reached))
        for c in a.counts { w.varint(UInt64(c)) }
        for m in a.metrics {
            if let m { w.u8(1); w.double(m.value); w.svarint(m.at); w.varint(m.position) } else { w.u8(0) }
        }
        w.u8(a.detractor ? 1 : 0)
        w.varint(UInt64(a.recent.count))
        for x in a.recent { w.svarint(x.at); w.varint(UInt64(x.action)); w.varint(x.position) }
    }

    static func readAdvocacy(_ r: inout ByteReader, actions: Int, metrics: Int) -> AdvocacyState {
        var a = AdvocacyState(actions: actions, metrics: metrics)
        a.level = Int(r.varint())
        a.since = r.svarint()
        a.reached = UInt32(truncatingIfNeeded: r.varint())
        for i in 0..<actions { a.counts[i] = UInt32(truncatingIfNeeded: r.varint()) }
        for i in 0..<metrics where r.u8() == 1 {
            a.metrics[i] = .init(value: r.double(), at: r.svarint(), position: r.varint())
        }
        a.detractor = r.u8() == 1
        let n = Int(min(r.varint(), 1 << 20))
        for _ in 0..<n where !r.failed {
            a.recent.append(.init(at: r.svarint(), action: Int(r.varint()), position: r.varint()))
        }
        return a
    }

    static func write(_ j: CustomerJourney, _ w: inout ByteWriter) {
        write(j.stage, &w)
        write(j.advocacy, &w)
        w.varint(UInt64(j.transitions.count))
        for t in j.transitions {
            w.svarint(Int64(t.from)); w.varint(UInt64(t.to)); w.svarint(t.at); w.varint(t.position)
            w.varint(UInt64(t.rule)); w.u8(t.regression ? 1 : 0)
        }
        w.varint(UInt64(j.advocacyChanges.count))
        for c in j.advocacyChanges {
            w.varint(UInt64(c.from)); w.varint(UInt64(c.to)); w.svarint(c.at); w.varint(c.position)
            w.varint(UInt64(c.evidence.count))
            for p in c.evidence { w.varint(p) }
        }
        j.map.encode(&w)
    }

    static func readJourney(_ r: inout ByteReader, customerId: String, model: CompiledModel) -> CustomerJourney {
        var j = CustomerJourney(customerId: customerId, model: model)
        j.stage = readStage(&r, stages: model.model.stages.count)
        j.advocacy = readAdvocacy(&r, actions: model.model.advocacy.actionIds.count, metrics: model.model.advocacy.metrics.count)
        let nt = Int(min(r.varint(), 1 << 20))
        for _ in 0..<nt where !r.failed {
            j.transitions.append(.init(from: Int(r.svarint()), to: Int(r.varint()), at: r.svarint(), position: r.varint(),
                                       rule: Int(r.varint()), regression: r.u8() == 1))
        }
        let nc = Int(min(r.varint(), 1 << 20))
        for _ in 0..<nc where !r.failed {
            var c = AdvocacyChange(from: Int(r.varint()), to: Int(r.varint()), at: r.svarint(), position: r.varint(), evidence: [])
            let ne = Int(min(r.varint(), 1 << 16))
            for _ in 0..<ne where !r.failed { c.evidence.append(r.varint()) }
            j.advocacyChanges.append(c)
        }
        // Format 1 (before the map) ends here: its journeys have an empty map state until rebuilt.
        if !r.isAtEnd { j.map = MapState.decode(&r) }
        return j
    }
}
