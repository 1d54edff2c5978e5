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

    /// Parses JSON text, or explains where it is malformed ("at byte 17: expected ':' …").
    public static func parseOrExplain(_ bytes: some Collection<UInt8>) -> Result<JSONValue, JSONParseError> {
        let array = Array(bytes)
        return array.withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            s.skipWhitespace()
            do throws(JSONSyntaxError) {
                let v = try value(&s, depth: 0)
                s.skipWhitespace()
                guard s.isAtEnd else { throw s.error(expected: "end of input") }
                return .success(v)
            } catch {
                return .failure(JSONParseError(offset: error.offset, message: error.message))
            }
        }
    }

    package static func parse(_ raw: UnsafeRawBufferPointer) -> JSONValue? {
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

/// Where and why JSON text is malformed.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    /// 1-based byte offset.
    public var offset: Int
    public var message: String
    public var description: String { "malformed JSON at byte \(offset): \(message)" }
}

extension JSONValue {
    /// Compact JSON text of the value (object keys sorted, for a stable form).
    public var jsonText: String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    package func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d): JSONWriter.appendDouble(d, to: &out)
        case .string(let s): JSONWriter.appendString(s, to: &out)
        case .array(let a):
            out.append(0x5B)
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(0x2C) }
                v.write(to: &out)
            }
            out.append(0x5D)
        case .object(let o):
            out.append(0x7B)
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(0x2C) }
                JSONWriter.appendString(k, to: &out)
                out.append(0x3A)
                o[k]!.write(to: &out)
            }
            out.append(0x7D)
        }
    }

}
