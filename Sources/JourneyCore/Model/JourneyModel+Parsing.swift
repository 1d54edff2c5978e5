import JourneyStore
import JourneyJSON

extension JourneyModel {
    /// Parses and validates a model document. Throws ``ModelError`` naming the JSON path of the
    /// first problem (unknown keys included, so a typo is never silently ignored).
    public static func parse(_ text: String) throws(ModelError) -> JourneyModel {
        let root: JSONValue
        switch JSONValue.parseOrExplain(Array(text.utf8)) {
        case .success(let v): root = v
        case .failure(let e): throw ModelError(path: "$", message: e.description)
        }
        var p = ModelParser()
        return try p.model(root, document: root.jsonText)
    }
}

/// Walks a model document, checking every value and building the typed model.
struct ModelParser {
    func object(_ v: JSONValue, _ path: String, required: [String], optional: [String] = []) throws(ModelError) -> [String: JSONValue] {
        guard case .object(let o) = v else { throw ModelError(path: path, message: "expected an object, got \(kind(v))") }
        for key in o.keys.sorted() where !required.contains(key) && !optional.contains(key) {
            throw ModelError(path: "\(path).\(key)", message: "unknown key (expected \((required + optional).joined(separator: ", ")))")
        }
        for key in required where o[key] == nil {
            throw ModelError(path: "\(path).\(key)", message: "required key is missing")
        }
        return o
    }

    func string(_ v: JSONValue, _ path: String) throws(ModelError) -> String {
        guard case .string(let s) = v, !s.isEmpty else { throw ModelError(path: path, message: "expected a non-empty string, got \(kind(v))") }
        return s
    }

    func array(_ v: JSONValue, _ path: String, nonEmpty: Bool = true) throws(ModelError) -> [JSONValue] {
        guard case .array(let a) = v else { throw ModelError(path: path, message: "expected an array, got \(kind(v))") }
        if nonEmpty && a.isEmpty { throw ModelError(path: path, message: "expected at least one element") }
        return a
    }

    func number(_ v: JSONValue, _ path: String) throws(ModelError) -> Double {
        guard case .number(let d) = v else { throw ModelError(path: path, message: "expected a number, got \(kind(v))") }
        return d
    }

    func bool(_ v: JSONValue, _ path: String) throws(ModelError) -> Bool {
        guard case .bool(let b) = v else { throw ModelError(path: path, message: "expected true or false, got \(kind(v))") }
        return b
    }

    func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let d): "the number \(d)"
        case .string(let s): "the string \"\(s)\""
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// A string or an array of strings.
    func strings(_ v: JSONValue, _ path: String) throws(ModelError) -> [String] {
        if case .string = v { return [try string(v, path)] }
        var out: [String] = []
        for (i, e) in try array(v, path).enumerated() { out.append(try string(e, "\(path)[\(i)]")) }
        return out
    }

    mutating func model(_ root: JSONValue, document: String) throws(ModelError) -> JourneyModel {
        let o = try object(root, "$", required: ["name", "version", "stages", "rules", "advocacy"], optional: ["$schema", "description", "ruleMatching", "segments", "inactiveDays"])
        let name = try string(o["name"]!, "$.name")
        let version = try string(o["version"]!, "$.version")
        var stages: [String] = []
        for (i, s) in try array(o["stages"]!, "$.stages").enumerated() {
            let stage = try string(s, "$.stages[\(i)]")
            if stages.contains(stage) { throw ModelError(path: "$.stages[\(i)]", message: "stage \"\(stage)\" appears twice") }
            stages.append(stage)
        }
        var matching = JourneyModel.RuleMatching.first
        if let m = o["ruleMatching"] {
            let s = try string(m, "$.ruleMatching")
            guard let r = JourneyModel.RuleMatching(rawValue: s) else {
                throw ModelError(path: "$.ruleMatching", message: "expected \"first\" or \"highestStage\", got \"\(s)\"")
            }
            matching = r
        }
        var rules: [StageRule] = []
        var ruleIds = Set<String>()
        for (i, r) in try array(o["rules"]!, "$.rules").enumerated() {
            let path = "$.rules[\(i)]"
            let ro = try object(r, path, required: ["id", "stage", "match"], optional: ["regress", "description"])
            let id = try string(ro["id"]!, "\(path).id")
            guard ruleIds.insert(id).inserted else { throw ModelError(path: "\(path).id", message: "rule id \"\(id)\" appears twice") }
            let stageName = try string(ro["stage"]!, "\(path).stage")
            guard let stage = stages.firstIndex(of: stageName) else {
                throw ModelError(path: "\(path).stage", message: "unknown stage \"\(stageName)\" (expected one of \(stages.joined(separator: ", ")))")
            }
            let regress = try ro["regress"].map { v throws(ModelError) in try bool(v, "\(path).regress") } ?? false
            rules.append(StageRule(id: id, stage: stage, match: try matcher(ro["match"]!, "\(path).match"), regress: regress))
        }
        let advocacy = try advocacyDefinition(o["advocacy"]!, "$.advocacy")
        var model = JourneyModel(name: name, version: version, stages: stages, ruleMatching: matching, rules: rules, advocacy: advocacy, document: document)
        if let list = o["segments"] { model.segments = try segments(list, "$.segments") }
        if let d = o["inactiveDays"] { model.inactiveDays = try positiveDays(d, "$.inactiveDays") }
        return model
    }

    func matcher(_ v: JSONValue, _ path: String) throws(ModelError) -> EventMatcher {
        let o = try object(v, path, required: [], optional: ["type", "touchpoint", "channel", "properties"])
        var predicates: [PropertyPredicate] = []
        if let props = o["properties"] {
            for (i, p) in try array(props, "\(path).properties").enumerated() {
                predicates.append(try predicate(p, "\(path).properties[\(i)]"))
            }
        }
        let m = EventMatcher(
            types: try o["type"].map { v throws(ModelError) in try strings(v, "\(path).type") },
            touchpoints: try o["touchpoint"].map { v throws(ModelError) in try strings(v, "\(path).touchpoint") },
            channels: try o["channel"].map { v throws(ModelError) in try strings(v, "\(path).channel") },
            properties: predicates)
        if m.types == nil && m.touchpoints == nil && m.channels == nil && predicates.isEmpty {
            throw ModelError(path: path, message: "matches every event; give at least one of type, touchpoint, channel, properties")
        }
        return m
    }

    func predicate(_ v: JSONValue, _ path: String) throws(ModelError) -> PropertyPredicate {
        let o = try object(v, path, required: ["path", "op", "value"])
        let p = try string(o["path"]!, "\(path).path")
        let opName = try string(o["op"]!, "\(path).op")
        guard let op = PropertyPredicate.Operator(rawValue: opName) else {
            throw ModelError(path: "\(path).op", message: "unknown operator \"\(opName)\" (expected one of \(PropertyPredicate.Operator.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let value = o["value"]!
        switch op {
        case .exists: _ = try bool(value, "\(path).value")
        case .oneOf: _ = try array(value, "\(path).value")
        case .lessThan, .lessOrEqual, .greaterThan, .greaterOrEqual: _ = try number(value, "\(path).value")
        case .equals: break
        }
        let components = p.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if components.contains(where: \.isEmpty) { throw ModelError(path: "\(path).path", message: "empty segment in \"\(p)\"") }
        return PropertyPredicate(path: components, op: op, value: value)
    }

    func comparison(_ o: [String: JSONValue], _ path: String) throws(ModelError) -> (PropertyPredicate.Operator, Double) {
        let opName = try string(o["op"]!, "\(path).op")
        guard let op = PropertyPredicate.Operator(rawValue: opName), ![.exists, .oneOf].contains(op) else {
            throw ModelError(path: "\(path).op", message: "expected one of equals, <, <=, >, >=, got \"\(opName)\"")
        }
        return (op, try number(o["value"]!, "\(path).value"))
    }

    func advocacyDefinition(_ v: JSONValue, _ path: String) throws(ModelError) -> AdvocacyDefinition {
        let o = try object(v, path, required: ["actions", "levels"], optional: ["metrics", "detractor", "description"])
        var actions: [(id: String, match: EventMatcher)] = []
        var actionIds: [String] = []
        for (i, a) in try array(o["actions"]!, "\(path).actions").enumerated() {
            let ap = "\(path).actions[\(i)]"
            let ao = try object(a, ap, required: ["id", "match"], optional: ["description"])
            let id = try string(ao["id"]!, "\(ap).id")
            actions.append((id, try matcher(ao["match"]!, "\(ap).match")))
            if !actionIds.contains(id) { actionIds.append(id) }
        }
        var metrics: [AdvocacyDefinition.Metric] = []
        if let ms = o["metrics"] {
            for (i, m) in try array(ms, "\(path).metrics", nonEmpty: false).enumerated() {
                let mp = "\(path).metrics[\(i)]"
                let mo = try object(m, mp, required: ["id", "match", "property"], optional: ["description"])
                let id = try string(mo["id"]!, "\(mp).id")
                if metrics.contains(where: { $0.id == id }) { throw ModelError(path: "\(mp).id", message: "metric \"\(id)\" appears twice") }
                let property = try string(mo["property"]!, "\(mp).property").split(separator: ".").map(String.init)
                metrics.append(.init(id: id, match: try matcher(mo["match"]!, "\(mp).match"), property: property))
            }
        }
        func criterion(_ v: JSONValue, _ cp: String) throws(ModelError) -> AdvocacyDefinition.Criterion {
            guard case .object(let co) = v else { throw ModelError(path: cp, message: "expected an object, got \(kind(v))") }
            if let m = co["metric"] {
                let c = try object(v, cp, required: ["metric", "op", "value"])
                let id = try string(m, "\(cp).metric")
                guard let index = metrics.firstIndex(where: { $0.id == id }) else {
                    throw ModelError(path: "\(cp).metric", message: "unknown metric \"\(id)\" (expected one of \(metrics.map(\.id).joined(separator: ", ")))")
                }
                let (op, value) = try comparison(c, cp)
                return .metric(index: index, op: op, value: value)
            }
            if let a = co["actions"] {
                let c = try object(v, cp, required: ["actions", "op", "value"])
                let ao = try object(a, "\(cp).actions", required: [], optional: ["ids", "withinDays"])
                var ids: [Int]?
                if let list = ao["ids"] {
                    ids = []
                    for (k, idv) in try array(list, "\(cp).actions.ids").enumerated() {
                        let id = try string(idv, "\(cp).actions.ids[\(k)]")
                        guard let n = actionIds.firstIndex(of: id) else {
                            throw ModelError(path: "\(cp).actions.ids[\(k)]", message: "unknown action \"\(id)\"")
                        }
                        ids!.append(n)
                    }
                }
                let days = try ao["withinDays"].map { d throws(ModelError) in try positiveDays(d, "\(cp).actions.withinDays") }
                let (op, value) = try comparison(c, cp)
                return .actions(ids: ids, withinDays: days, op: op, value: value)
            }
            if let t = co["actionTypes"] {
                let c = try object(v, cp, required: ["actionTypes", "op", "value"])
                let to = try object(t, "\(cp).actionTypes", required: [], optional: ["withinDays"])
                let days = try to["withinDays"].map { d throws(ModelError) in try positiveDays(d, "\(cp).actionTypes.withinDays") }
                let (op, value) = try comparison(c, cp)
                return .actionTypes(withinDays: days, op: op, value: value)
            }
            throw ModelError(path: cp, message: "expected a criterion with one of metric, actions, actionTypes")
        }
        var levels: [AdvocacyDefinition.Level] = []
        for (i, l) in try array(o["levels"]!, "\(path).levels").enumerated() {
            let lp = "\(path).levels[\(i)]"
            let lo = try object(l, lp, required: ["id", "when"], optional: ["retain", "description"])
            let id = try string(lo["id"]!, "\(lp).id")
            if id == "none" || levels.contains(where: { $0.id == id }) {
                throw ModelError(path: "\(lp).id", message: id == "none" ? "\"none\" is the implicit lowest level" : "level \"\(id)\" appears twice")
            }
            var when: [AdvocacyDefinition.Criterion] = []
            for (k, c) in try array(lo["when"]!, "\(lp).when").enumerated() { when.append(try criterion(c, "\(lp).when[\(k)]")) }
            let retain = try lo["retain"].map { v throws(ModelError) in try bool(v, "\(lp).retain") } ?? false
            levels.append(.init(id: id, when: when, retain: retain))
        }
        let detractor = try o["detractor"].map { v throws(ModelError) in try criterion(v, "\(path).detractor") }
        return AdvocacyDefinition(actions: actions, actionIds: actionIds, metrics: metrics, levels: levels, detractor: detractor)
    }

    func segments(_ v: JSONValue, _ path: String) throws(ModelError) -> [Segment] {
        var out: [Segment] = []
        for (i, sv) in try array(v, path, nonEmpty: false).enumerated() {
            let sp = "\(path)[\(i)]"
            let so = try object(sv, sp, required: ["id", "criteria"], optional: ["name", "description"])
            let id = try string(so["id"]!, "\(sp).id")
            if id == "all" || out.contains(where: { $0.id == id }) {
                throw ModelError(path: "\(sp).id", message: id == "all" ? "\"all\" names every customer; choose another id" : "segment \"\(id)\" appears twice")
            }
            let name = try so["name"].map { n throws(ModelError) in try string(n, "\(sp).name") } ?? id
            var criteria: [TraitCriterion] = []
            for (k, c) in try array(so["criteria"]!, "\(sp).criteria").enumerated() {
                let cp = "\(sp).criteria[\(k)]"
                let co = try object(c, cp, required: ["trait", "op", "value"])
                let trait = try string(co["trait"]!, "\(cp).trait")
                let opName = try string(co["op"]!, "\(cp).op")
                guard let op = PropertyPredicate.Operator(rawValue: opName) else {
                    throw ModelError(path: "\(cp).op", message: "unknown operator \"\(opName)\" (expected one of \(PropertyPredicate.Operator.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                let value = co["value"]!
                switch op {
                case .exists: _ = try bool(value, "\(cp).value")
                case .oneOf: _ = try array(value, "\(cp).value")
                case .lessThan, .lessOrEqual, .greaterThan, .greaterOrEqual: _ = try number(value, "\(cp).value")
                case .equals: break
                }
                criteria.append(TraitCriterion(trait: trait, op: op, value: value))
            }
            out.append(Segment(id: id, name: name, criteria: criteria))
        }
        return out
    }

    func positiveDays(_ v: JSONValue, _ path: String) throws(ModelError) -> Int {
        let d = try number(v, path)
        guard d >= 1, d == d.rounded(), d <= 36_500 else { throw ModelError(path: path, message: "expected a whole number of days, 1…36500, got \(d)") }
        return Int(d)
    }
}
