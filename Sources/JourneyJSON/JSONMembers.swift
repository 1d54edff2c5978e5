/// The members of a JSON object in their order: each key decoded, each value as the byte range
/// of its text in the scanned buffer (valid while the buffer is). Scanning validates the object
/// and everything in it and refuses a key given twice (I-JSON). For mapping foreign event shapes
/// (Segment, CloudEvents) without building a tree: values are read, or copied out compact, on
/// demand.
package struct JSONMembers {
    package let bytes: UnsafeRawBufferPointer
    package private(set) var keys: [String] = []
    package private(set) var ranges: [Range<Int>] = []

    /// A member's value, read.
    package enum Value {
        case absent, null
        case bool(Bool)
        case number(Double)
        case string(String)
        case object(Range<Int>)
        case array(Range<Int>)

        /// "a string", "an object", … for messages.
        package var kind: String {
            switch self {
            case .absent: "nothing"
            case .null: "null"
            case .bool: "a boolean"
            case .number: "a number"
            case .string: "a string"
            case .object: "an object"
            case .array: "an array"
            }
        }
    }

    /// Scans the object at the cursor (which must be at `{`), leaving the cursor after it.
    package init(scanning s: inout JSONScanner, maxDepth: Int) throws(JSONSyntaxError) {
        bytes = s.bytes
        guard s.current == 0x7B else { throw s.error(expected: "an object") }
        s.index += 1
        s.skipWhitespace()
        if s.current == 0x7D { s.index += 1; return }
        var raw: [JSONScanner.RawString] = []
        while true {
            guard s.current == 0x22 else { throw s.error(expected: "a key in quotes") }
            let keyOffset = s.index + 1
            let key = try s.scanString()
            for k in raw where s.sameKey(k, key) {
                throw JSONSyntaxError(offset: keyOffset, message: "the key \"\(s.decode(key))\" appears twice in one object (keys must be unique)")
            }
            raw.append(key)
            s.skipWhitespace()
            try s.expect(0x3A, "':'")
            s.skipWhitespace()
            let start = s.index
            try s.skipValue(maxDepth: maxDepth - 1)
            keys.append(s.decode(key))
            ranges.append(start..<s.index)
            s.skipWhitespace()
            if s.current == 0x2C { s.index += 1; s.skipWhitespace(); continue }
            try s.expect(0x7D, "',' or '}'")
            return
        }
    }

    /// Scans a whole buffer holding one object (white space around it allowed).
    package init(parsing bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(JSONSyntaxError) {
        var s = JSONScanner(bytes)
        s.skipWhitespace()
        try self.init(scanning: &s, maxDepth: maxDepth)
        s.skipWhitespace()
        guard s.isAtEnd else { throw s.error(expected: "end of input") }
    }

    /// The members of the object value at `range` of the same buffer (already validated).
    package init(object range: Range<Int>, in bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) {
        var s = JSONScanner(bytes, index: range.lowerBound)
        try self.init(scanning: &s, maxDepth: 64)
    }

    package var isEmpty: Bool { keys.isEmpty }

    /// The range of the value of `key`, or `nil`.
    package func range(_ key: String) -> Range<Int>? {
        guard let i = keys.firstIndex(of: key) else { return nil }
        return ranges[i]
    }

    /// The value of `key`, read (strings decoded, numbers converted).
    package func value(_ key: String) -> Value {
        guard let r = range(key) else { return .absent }
        return Self.value(at: r, in: bytes)
    }

    /// The value whose text is at `r`.
    package static func value(at r: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Value {
        var s = JSONScanner(bytes, index: r.lowerBound)
        switch s.current {
        case 0x22: return (try? s.readString()).map(Value.string) ?? .null
        case 0x7B: return .object(r)
        case 0x5B: return .array(r)
        case 0x74: return .bool(true)
        case 0x66: return .bool(false)
        case 0x6E: return .null
        default: return (try? s.readNumber()).map(Value.number) ?? .null
        }
    }

    /// Appends the compact text of the value at `r` to `out`.
    package static func appendCompact(_ r: Range<Int>, in bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var s = JSONScanner(bytes, index: r.lowerBound)
        try? s.copyValue(into: &out, copying: true, depth: 0, maxDepth: 64)
    }

    /// The compact text of the value at `r`.
    package static func compact(_ r: Range<Int>, in bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(r.count)
        appendCompact(r, in: bytes, to: &out)
        return out
    }
}
