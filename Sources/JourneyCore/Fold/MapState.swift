public import JourneyJSON

/// What the journey map needs of one journey, folded with it in business order: for each stage,
/// the touchpoints met while the customer was in it (an event belongs to the stage the customer
/// is in once it is applied) with their sentiment; the last three touchpoints met in each stage
/// (for paths); and the customer's traits (the latest value, by occurredAt, of each property of
/// their `identify` events), which place them in segments.
public struct MapState: Sendable, Equatable {
    /// One (stage, touchpoint) the journey met.
    public struct Touch: Sendable, Equatable {
        public var stage: Int8
        /// The touchpoint's key (``TouchpointKey``).
        public var key: UInt64
        public var events: UInt32
        public var sentimentSum: Double
        public var sentimentCount: UInt32
        /// Events with a sentiment below 0.
        public var negatives: UInt32
    }

    /// A trait and where its value came from.
    public struct Trait: Sendable, Equatable {
        public var name: String
        public var value: JSONValue
        public var at: Int64
        public var position: UInt64
    }

    public var touches: [Touch] = []
    /// Per stage, three slots: the last three touchpoint keys met in it, oldest first, 0 for
    /// none (empty until the first touchpoint).
    var recentSlots: [UInt64] = []

    /// Per stage (by index), the last three touchpoint keys met in it, oldest first.
    public var recent: [[UInt64]] {
        stride(from: 0, to: recentSlots.count, by: 3).map { i in recentSlots[i..<i + 3].filter { $0 != 0 } }
    }
    public var traits: [Trait] = []

    public init() {}

    mutating func apply(_ e: ClassifiedEvent, stage: Int) {
        if let traits = e.traits {
            for t in traits {
                if let i = self.traits.firstIndex(where: { $0.name == t.name }) {
                    let old = self.traits[i]
                    if e.occurredAt > old.at || (e.occurredAt == old.at && e.position > old.position) {
                        self.traits[i] = Trait(name: t.name, value: t.value, at: e.occurredAt, position: e.position)
                    }
                } else {
                    self.traits.append(Trait(name: t.name, value: t.value, at: e.occurredAt, position: e.position))
                }
            }
        }
        guard stage >= 0, e.touchpoint != 0 else { return }
        let s = Int8(stage)
        var i = touches.lastIndex { $0.stage == s && $0.key == e.touchpoint } ?? -1
        if i < 0 {
            touches.append(Touch(stage: s, key: e.touchpoint, events: 0, sentimentSum: 0, sentimentCount: 0, negatives: 0))
            i = touches.count - 1
        }
        touches[i].events += 1
        if let v = e.sentiment {
            touches[i].sentimentSum += v
            touches[i].sentimentCount += 1
            if v < 0 { touches[i].negatives += 1 }
        }
        if recentSlots.count <= stage * 3 + 2 { recentSlots.append(contentsOf: repeatElement(0, count: stage * 3 + 3 - recentSlots.count)) }
        let r = stage * 3
        recentSlots[r] = recentSlots[r + 1]
        recentSlots[r + 1] = recentSlots[r + 2]
        recentSlots[r + 2] = e.touchpoint
    }

    /// How many stages have recent touchpoints.
    var recentStages: Int { recentSlots.count / 3 }

    /// The last touchpoint met in `stage`, if any.
    func lastTouch(_ stage: Int) -> UInt64? {
        guard stage >= 0, stage * 3 + 2 < recentSlots.count, recentSlots[stage * 3 + 2] != 0 else { return nil }
        return recentSlots[stage * 3 + 2]
    }

    /// The value of a trait, if the customer has one.
    public func trait(_ name: String) -> JSONValue? { traits.first { $0.name == name }?.value }

    func encode(_ w: inout ByteWriter) {
        w.varint(UInt64(touches.count))
        for t in touches {
            w.u8(UInt8(bitPattern: t.stage))
            w.varint(t.key)
            w.varint(UInt64(t.events))
            w.double(t.sentimentSum)
            w.varint(UInt64(t.sentimentCount))
            w.varint(UInt64(t.negatives))
        }
        w.varint(UInt64(recentSlots.count / 3))
        for k in recentSlots { w.varint(k) }
        w.varint(UInt64(traits.count))
        for t in traits {
            w.string(t.name)
            w.string(t.value.jsonText)
            w.svarint(t.at)
            w.varint(t.position)
        }
    }

    static func decode(_ r: inout ByteReader) -> MapState {
        var m = MapState()
        let n = Int(min(r.varint(), 1 << 20))
        for _ in 0..<n where !r.failed {
            m.touches.append(Touch(stage: Int8(bitPattern: r.u8()), key: r.varint(), events: UInt32(truncatingIfNeeded: r.varint()),
                                   sentimentSum: r.double(), sentimentCount: UInt32(truncatingIfNeeded: r.varint()),
                                   negatives: UInt32(truncatingIfNeeded: r.varint())))
        }
        let stages = Int(min(r.varint(), 256))
        m.recentSlots.reserveCapacity(stages * 3)
        for _ in 0..<(stages * 3) where !r.failed { m.recentSlots.append(r.varint()) }
        let nt = Int(min(r.varint(), 1 << 16))
        for _ in 0..<nt where !r.failed {
            let name = r.string()
            let text = r.string()
            m.traits.append(Trait(name: name, value: JSONValue.parse(Array(text.utf8)) ?? .null, at: r.svarint(), position: r.varint()))
        }
        return m
    }
}

/// A touchpoint of the map: the stable 64-bit key of (type, touchpoint, channel), the same in
/// every process and every rebuild (FNV-1a over the three, with markers for absent fields).
public enum TouchpointKey {
    public static func of(type: UnsafeRawBufferPointer, touchpoint: UnsafeRawBufferPointer?, channel: UnsafeRawBufferPointer?) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        @inline(__always) func mix(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        for b in type { mix(b) }
        mix(0xFF)
        if let touchpoint { for b in touchpoint { mix(b) } } else { mix(0xFE) }
        mix(0xFF)
        if let channel { for b in channel { mix(b) } } else { mix(0xFE) }
        return h == 0 ? 1 : h
    }
}
