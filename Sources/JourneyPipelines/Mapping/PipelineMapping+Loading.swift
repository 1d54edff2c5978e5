import Foundation
public import JourneyStore
import JourneyJSON

extension PipelineMapping {
    /// A mapping file: JSON with optional `segment` and `cloudevents` sections; what a section
    /// leaves out keeps its default (see `Schemas/examples/pipeline-mapping.json`):
    ///
    /// ```json
    /// {"segment": {"types": {"order_completed": "purchase"}, "snakeCase": true,
    ///              "touchpoint": ["properties.touchpoint", "context.page.path"],
    ///              "channel": ["properties.channel", "context.campaign.medium"],
    ///              "sentiment": ["properties.sentiment"], "properties": {"campaign": "context.campaign"}},
    ///  "cloudevents": {"types": {"com.example.order.completed": "purchase"},
    ///                  "touchpoint": ["data.touchpoint"], "properties": "data.properties"}}
    /// ```
    ///
    /// Throws `invalid_argument` naming the path in the file at fault.
    public static func parse(_ text: [UInt8], source: String = "the mapping") throws(StoreError) -> PipelineMapping {
        let root: JSONValue
        switch JSONValue.parseOrExplain(text) {
        case .success(let v): root = v
        case .failure(let e): throw StoreError(.invalidArgument, "\(source): \(e)")
        }
        func fail(_ path: String, _ message: String) -> StoreError { StoreError(.invalidArgument, "\(source): \(path): \(message)", field: path) }
        func object(_ v: JSONValue, _ path: String, allowed: Set<String>) throws(StoreError) -> [String: JSONValue] {
            guard case .object(let o) = v else { throw fail(path, "expected an object, got \(v.jsonText)") }
            if let extra = o.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw fail("\(path).\(extra)", "unknown key (expected one of \(allowed.sorted().joined(separator: ", ")))")
            }
            return o
        }
        func strings(_ v: JSONValue, _ path: String) throws(StoreError) -> [String: String] {
            guard case .object(let o) = v else { throw fail(path, "expected an object of names, got \(v.jsonText)") }
            var out: [String: String] = [:]
            for (k, x) in o {
                guard case .string(let s) = x, !s.isEmpty, s.count <= 128 else { throw fail("\(path).\(k)", "expected a type name (1–128 characters), got \(x.jsonText)") }
                out[k] = s
            }
            return out
        }
        func paths(_ v: JSONValue, _ path: String) throws(StoreError) -> [FieldPath] {
            guard case .array(let a) = v else { throw fail(path, "expected an array of field paths, got \(v.jsonText)") }
            var out: [FieldPath] = []
            for (i, x) in a.enumerated() { out.append(try fieldPath(x, "\(path)[\(i)]")) }
            return out
        }
        func fieldPath(_ v: JSONValue, _ path: String) throws(StoreError) -> FieldPath {
            guard case .string(let s) = v, !s.isEmpty, !s.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
                throw fail(path, "expected a field path such as \"context.page.path\", got \(v.jsonText)")
            }
            return FieldPath(s)
        }
        var m = PipelineMapping()
        let top = try object(root, "$", allowed: ["segment", "cloudevents", "description"])
        if let s = top["segment"] {
            let o = try object(s, "segment", allowed: ["types", "snakeCase", "touchpoint", "channel", "sentiment", "properties"])
            if let v = o["types"] { m.segment.types = try strings(v, "segment.types") }
            if let v = o["snakeCase"] {
                guard case .bool(let b) = v else { throw fail("segment.snakeCase", "expected true or false, got \(v.jsonText)") }
                m.segment.snakeCase = b
            }
            if let v = o["touchpoint"] { m.segment.touchpoint = try paths(v, "segment.touchpoint") }
            if let v = o["channel"] { m.segment.channel = try paths(v, "segment.channel") }
            if let v = o["sentiment"] { m.segment.sentiment = try paths(v, "segment.sentiment") }
            if let v = o["properties"] {
                guard case .object(let p) = v else { throw fail("segment.properties", "expected an object of name → field path, got \(v.jsonText)") }
                var extra: [NamedPath] = []
                for (name, x) in p.sorted(by: { $0.key < $1.key }) {
                    extra.append(NamedPath(name: name, path: try fieldPath(x, "segment.properties.\(name)")))
                }
                m.segment.extraProperties = extra
            }
        }
        if let c = top["cloudevents"] {
            let o = try object(c, "cloudevents", allowed: ["types", "touchpoint", "channel", "sentiment", "properties"])
            if let v = o["types"] { m.cloudEvents.types = try strings(v, "cloudevents.types") }
            if let v = o["touchpoint"] { m.cloudEvents.touchpoint = try paths(v, "cloudevents.touchpoint") }
            if let v = o["channel"] { m.cloudEvents.channel = try paths(v, "cloudevents.channel") }
            if let v = o["sentiment"] { m.cloudEvents.sentiment = try paths(v, "cloudevents.sentiment") }
            if let v = o["properties"] { m.cloudEvents.properties = try fieldPath(v, "cloudevents.properties") }
        }
        return m
    }

    /// Reads and parses a mapping file.
    public static func load(file path: String) throws(StoreError) -> PipelineMapping {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.invalidArgument, "cannot read the mapping file \(path)")
        }
        return try parse(Array(data), source: path)
    }
}
