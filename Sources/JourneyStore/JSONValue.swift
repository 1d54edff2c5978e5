/// A parsed JSON value, for the rare places that need JSON semantics rather than bytes
/// (comparing properties of a retried event, reading a property for a rule).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text; `nil` when it is not valid JSON.
    public static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        let array = Array(bytes)
        return array.withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            s.skipWhitespace()
            guard let v = try? value(&s, depth: 0) else { return nil }
            s.skipWhitespace()
            return s.isAtEnd ? v : nil
        }
    }

    static func parse(_ raw: UnsafeRawBufferPointer) -> JSONValue? {
        var s = JSONScanner(raw)
        s.skipWhitespace()
        guard let v = try? value(&s, depth: 0) else { return nil }
        s.skipWhitespace()
        return s.isAtEnd ? v : nil
    }

    private static func value(_ s: inout JSONScanner, depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 512 else { throw JSONSyntaxError(offset: s.index + 1, message: "too deep") }
        switch s.current {
        case 0x22: return .string(try s.readString())
        case 0x74, 0x66, 0x6E:
            let c = s.current
            try s.skipValue(maxDepth: 1)
            return c == 0x6E ? .null : .bool(c == 0x74)
        case 0x7B:
            s.index += 1
            var members: [String: JSONValue] = [:]
            s.skipWhitespace()
            if s.current == 0x7D { s.index += 1; return .object(members) }
            while true {
                s.skipWhitespace()
                let k = try s.readString()
                s.skipWhitespace()
                try s.expect(0x3A, "':'")
                s.skipWhitespace()
                members[k] = try value(&s, depth: depth + 1)
                s.skipWhitespace()
                if s.current == 0x2C { s.index += 1; continue }
                try s.expect(0x7D, "',' or '}'")
                return .object(members)
            }
        case 0x5B:
            s.index += 1
            var items: [JSONValue] = []
            s.skipWhitespace()
            if s.current == 0x5D { s.index += 1; return .array(items) }
            while true {
                s.skipWhitespace()
                items.append(try value(&s, depth: depth + 1))
                s.skipWhitespace()
                if s.current == 0x2C { s.index += 1; continue }
                try s.expect(0x5D, "',' or ']'")
                return .array(items)
            }
        default:
            return .number(try s.readNumber())
        }
    }
}
