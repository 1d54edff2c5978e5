import JourneyStore
import LMDBKit
import JourneyJSON

/// A journey model prepared for replay speed: event types interned to small numbers, each
/// type's candidate rules, actions and metrics precomputed in document order.
public final class CompiledModel: Sendable {
    public let model: JourneyModel
    /// Type name → number, for types the model mentions.
    private let typeTable: ByteTable
    /// Per type number (last entry: types the model does not name): candidate rule indices.
    private let rulesByType: [[Int]]
    private let actionsByType: [[Int]]
    private let metricsByType: [[Int]]
    /// Action matcher index → action id index.
    private let actionIdOfMatcher: [Int]
    private let touchpointSets: [[[UInt8]]?]
    private let channelSets: [[[UInt8]]?]
    private let actionMatchers: [EventMatcher]
    /// Per type number: whether any candidate rule, action or metric reads `properties`
    /// (only then are sealed properties opened).
    private let readsProperties: [Bool]
    /// The largest window of any windowed criterion, in milliseconds (0: none).
    let maxWindowMs: Int64
    /// How many recent actions to keep as evidence for count criteria without a window.
    let recentActionsKept: Int
    /// Whether a level that is not retained has a windowed criterion (its level can then change
    /// with time alone, so every event re-evaluates the levels).
    let levelsDependOnTime: Bool

    public init(_ model: JourneyModel) {
        self.model = model
        var names: [String] = []
        func collect(_ m: EventMatcher) { for t in m.types ?? [] where !names.contains(t) { names.append(t) } }
        model.rules.forEach { collect($0.match) }
        model.advocacy.actions.forEach { collect($0.match) }
        model.advocacy.metrics.forEach { collect($0.match) }
        typeTable = ByteTable(names)
        func byType(_ matchers: [EventMatcher]) -> [[Int]] {
            (0...names.count).map { t in
                matchers.indices.filter { i in
                    guard let types = matchers[i].types else { return true }
                    return t < names.count && types.contains(names[t])
                }
            }
        }
        rulesByType = byType(model.rules.map(\.match))
        actionsByType = byType(model.advocacy.actions.map(\.match))
        metricsByType = byType(model.advocacy.metrics.map(\.match))
        actionIdOfMatcher = model.advocacy.actions.map { a in model.advocacy.actionIds.firstIndex(of: a.id)! }
        actionMatchers = model.advocacy.actions.map(\.match)
        let rules = model.rules, actions = actionMatchers
        readsProperties = (0...names.count).map { [rulesByType, actionsByType, metricsByType] t in
            rulesByType[t].contains { !rules[$0].match.properties.isEmpty }
                || actionsByType[t].contains { !actions[$0].properties.isEmpty }
                || !metricsByType[t].isEmpty
        }
        touchpointSets = (model.rules.map(\.match) + actionMatchers + model.advocacy.metrics.map(\.match)).map { $0.touchpoints?.map { Array($0.utf8) } }
        channelSets = (model.rules.map(\.match) + actionMatchers + model.advocacy.metrics.map(\.match)).map { $0.channels?.map { Array($0.utf8) } }
        var window = 0
        var recent = 1
        for level in model.advocacy.levels {
            for c in level.when {
                switch c {
                case .actions(_, let days, _, let value):
                    if let days { window = max(window, days) } else { recent = max(recent, min(Int(value.rounded(.up)), 100)) }
                case .actionTypes(let days, _, _):
                    if let days { window = max(window, days) }
                case .metric: break
                }
            }
        }
        maxWindowMs = Int64(window) * 86_400_000
        recentActionsKept = recent
        levelsDependOnTime = model.advocacy.levels.contains { level in
            !level.retain && level.when.contains { c in
                switch c {
                case .actions(_, let days, _, _), .actionTypes(let days, _, _): days != nil
                case .metric: false
                }
            }
        }
    }

    /// The stage names.
    public var stages: [String] { model.stages }

    /// Whether the model defines segments (only then are traits read from `identify` events).
    var hasSegments: Bool { !model.segments.isEmpty }
    static let identifyType = Array("identify".utf8)
    /// Event types that say who a customer is rather than what they met.
    static let identityTypes = ["identify", "alias", "group"].map { Array($0.utf8) }

    /// The top-level members of an `identify` event's properties: the customer's traits.
    static func traits(_ props: UnsafeRawBufferPointer?) -> [ClassifiedEvent.TraitValue] {
        guard let props, case .object(let o)? = JSONValue.parse(props) else { return [] }
        return o.keys.sorted().map { ClassifiedEvent.TraitValue(name: $0, value: o[$0]!) }
    }

    /// Classifies one stored event: the stage rule it matches (if any), the advocacy action it
    /// counts as (if any), and the metric values it carries. Sealed `properties` are opened
    /// through `opener` only when the type's candidates read them; without an opener, or once
    /// the customer was erased, they count as absent.
    func classify(_ r: RecordView, position: UInt64, opener: PropertiesOpener? = nil) throws -> ClassifiedEvent {
        let t = typeTable.lookup(r.typeBytes) ?? typeTable.count
        let identify = hasSegments && r.typeBytes.elementsEqual(Self.identifyType)
        if r.isSealed && (readsProperties[t] || identify) {
            let opened = try opener?.open(r, position: position)
            return opened.withUnsafeBytesOrNil { props in
                var e = classify(r, t, position, props)
                if identify { e.traits = Self.traits(props) }
                return e
            }
        }
        var e = classify(r, t, position, r.propertiesBytes)
        if identify { e.traits = Self.traits(r.propertiesBytes) }
        return e
    }

    private func classify(_ r: RecordView, _ t: Int, _ position: UInt64, _ props: UnsafeRawBufferPointer?) -> ClassifiedEvent {
        var e = ClassifiedEvent(position: position, occurredAt: r.occurredAt.milliseconds, version: r.version)
        // Identity bookkeeping (identify, alias, group) is not a touchpoint of the map.
        if !Self.identityTypes.contains(where: { $0.elementsEqual(r.typeBytes) }) {
            e.touchpoint = TouchpointKey.of(type: r.typeBytes, touchpoint: r.touchpointBytes, channel: r.channelBytes)
        }
        e.sentiment = r.sentiment
        let rules = model.rules
        var best = -1
        for i in rulesByType[t] where matches(rules[i].match, matcherIndex: i, r, props, typeKnown: true) {
            if model.ruleMatching == .first { best = i; break }
            if best < 0 || rules[i].stage > rules[best].stage { best = i }
        }
        e.rule = Int16(best)
        let offset = rules.count
        for i in actionsByType[t] where matches(actionMatchers[i], matcherIndex: offset + i, r, props, typeKnown: true) {
            e.action = Int8(actionIdOfMatcher[i])
            break
        }
        let metricOffset = offset + actionMatchers.count
        for i in metricsByType[t] where matches(model.advocacy.metrics[i].match, matcherIndex: metricOffset + i, r, props, typeKnown: true) {
            let m = model.advocacy.metrics[i]
            if let props, case .number(let v)? = JSONPath.value(at: m.property, in: props) {
                e.metrics.append(.init(metric: Int8(i), value: v))
            }
        }
        return e
    }

    @inline(__always)
    private func matches(_ m: EventMatcher, matcherIndex: Int, _ r: RecordView, _ props: UnsafeRawBufferPointer?, typeKnown: Bool) -> Bool {
        if let tps = touchpointSets[matcherIndex] {
            guard let tp = r.touchpointBytes, tps.contains(where: { $0.elementsEqual(tp) }) else { return false }
        }
        if let chs = channelSets[matcherIndex] {
            guard let ch = r.channelBytes, chs.contains(where: { $0.elementsEqual(ch) }) else { return false }
        }
        for p in m.properties where !PropertyReader.holds(p, properties: props) { return false }
        return true
    }
}

/// A small hash table from byte strings to their index, looked up without allocating.
struct ByteTable: Sendable {
    private let keys: [[UInt8]]
    private let slots: [Int32]
    private let mask: Int
    var count: Int { keys.count }

    init(_ names: [String]) {
        keys = names.map { Array($0.utf8) }
        var size = 16
        while size < names.count * 4 { size *= 2 }
        mask = size - 1
        var s = [Int32](repeating: -1, count: size)
        for (i, k) in keys.enumerated() {
            var h = k.withUnsafeBytes { Self.hash($0) } & (size - 1)
            while s[h] >= 0 { h = (h + 1) & (size - 1) }
            s[h] = Int32(i)
        }
        slots = s
    }

    @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    @inline(__always)
    func lookup(_ b: UnsafeRawBufferPointer) -> Int? {
        var h = Self.hash(b) & mask
        while true {
            let s = slots[h]
            if s < 0 { return nil }
            if keys[Int(s)].elementsEqual(b) { return Int(s) }
            h = (h + 1) & mask
        }
    }
}

/// Opens sealed `properties` for classification, from one snapshot of the log.
///
/// A record whose properties cannot be opened (they do not open under the customer's key, or
/// the customer has no key: damage, or an old defect) does not stop the fold: its properties
/// count as absent, so the event's other facts (type, touchpoint, channel, time) still apply,
/// and the fault is kept in ``faults`` for the caller to record (``ProjectionFault``).
final class PropertiesOpener {
    let log: any LogSnapshot
    /// Records met whose properties did not open, in the order met.
    private(set) var faults: [ProjectionFault] = []

    init(log: any LogSnapshot) {
        self.log = log
    }

    func open(_ r: RecordView, position: UInt64) throws -> [UInt8]? {
        do {
            return try log.openProperties(of: r)
        } catch let e as StoreError where e.code == .corrupt {
            faults.append(ProjectionFault(position: position, eventId: r.id, customerId: r.customerId, problem: e.message))
            return nil
        }
    }

    /// Takes the faults met so far (the caller records them).
    func takeFaults() -> [ProjectionFault] {
        defer { faults.removeAll() }
        return faults
    }
}

extension Optional where Wrapped == [UInt8] {
    /// `body` with the bytes, or with `nil`.
    func withUnsafeBytesOrNil<R>(_ body: (UnsafeRawBufferPointer?) -> R) -> R {
        switch self {
        case .some(let a): a.withUnsafeBytes { body($0) }
        case .none: body(nil)
        }
    }
}
