/// Whole values: copied out in compact form (validated on the way, keys checked for repeats),
/// skipped, or excerpted for messages.
extension JSONScanner {
    // MARK: Whole values

    /// Copies the value at the cursor into `out` in compact form (no insignificant white
    /// space), validating it. With `out == nil` the value is only validated and skipped.
    package mutating func copyValue(into out: inout [UInt8], copying: Bool, depth: Int, maxDepth: Int) throws(JSONSyntaxError) {
        switch current {
        case 0x22:
            let s = try scanString()
            if copying {
                out.append(0x22)
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[s.start..<s.end]))
                out.append(0x22)
            }
        case 0x7B, 0x5B:
            guard depth < maxDepth else {
                throw JSONSyntaxError(offset: index + 1, message: "nesting deeper than \(maxDepth) levels")
            }
            let isObject = current == 0x7B
            let close: UInt8 = isObject ? 0x7D : 0x5D
            if copying { out.append(current) }
            index += 1
            skipWhitespace()
            if current == close {
                index += 1
                if copying { out.append(close) }
                return
            }
            // Keys seen in this object (I-JSON, RFC 7493: names must be unique). The first is
            // kept apart so that the common small object allocates nothing for the check.
            // Past 16 keys a set of the decoded names takes over from comparing with each.
            var firstKey: RawString?
            var keys: [RawString] = []
            var names: Set<String> = []
            while true {
                if isObject {
                    let keyOffset = index + 1
                    let k = try scanString()
                    var duplicate = false
                    if !names.isEmpty {
                        duplicate = !names.insert(decode(k)).inserted
                    } else if let f = firstKey {
                        duplicate = sameKey(f, k) || keys.contains(where: { sameKey($0, k) })
                        keys.append(k)
                        if keys.count >= 16 {
                            names = Set(keys.map(decode))
                            names.insert(decode(f))
                        }
                    } else {
                        firstKey = k
                    }
                    if duplicate {
                        throw JSONSyntaxError(offset: keyOffset, message: "duplicate key \"\(decode(k))\" (object keys must be unique: I-JSON, RFC 7493)")
                    }
                    if copying {
                        out.append(0x22)
                        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[k.start..<k.end]))
                        out.append(0x22)
                    }
                    skipWhitespace()
                    try expect(0x3A, "':'")
                    if copying { out.append(0x3A) }
                    skipWhitespace()
                }
                try copyValue(into: &out, copying: copying, depth: depth + 1, maxDepth: maxDepth)
                skipWhitespace()
                if current == 0x2C {
                    index += 1
                    if copying { out.append(0x2C) }
                    skipWhitespace()
                    if isObject && current != 0x22 { throw error(expected: "a string key") }
                    continue
                }
                if current == close {
                    index += 1
                    if copying { out.append(close) }
                    return
                }
                throw error(expected: isObject ? "',' or '}'" : "',' or ']'")
            }
        case 0x74:
            try literal("true", &out, copying)
        case 0x66:
            try literal("false", &out, copying)
        case 0x6E:
            try literal("null", &out, copying)
        case 0x2D, 0x30...0x39:
            let r = try scanNumber()
            if copying { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[r])) }
        default:
            throw error(expected: "a JSON value")
        }
    }

    private mutating func literal(_ word: StaticString, _ out: inout [UInt8], _ copying: Bool) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw error(expected: "'\(word)'") }
        for k in 0..<n where bytes[index + k] != word.utf8Start[k] {
            throw error(expected: "'\(word)'")
        }
        if copying { out.append(contentsOf: UnsafeRawBufferPointer(start: word.utf8Start, count: n)) }
        index += n
    }

    /// Validates and skips the value at the cursor.
    package mutating func skipValue(maxDepth: Int) throws(JSONSyntaxError) {
        var sink: [UInt8] = []
        try copyValue(into: &sink, copying: false, depth: 0, maxDepth: maxDepth)
    }

    /// A short excerpt of the value at the cursor, for error messages (the cursor does not move).
    package func excerpt(max: Int = 40) -> String {
        var end = index
        var depth = 0
        var inString = false
        while end < bytes.count, end - index < max {
            let c = bytes[end]
            if inString {
                if c == 0x5C { end += 1 } else if c == 0x22 { inString = false; if depth == 0 { end += 1; break } }
            } else if c == 0x22 { inString = true }
            else if c == 0x7B || c == 0x5B { depth += 1 }
            else if c == 0x7D || c == 0x5D { if depth == 0 { break }; depth -= 1; if depth == 0 { end += 1; break } }
            else if (c == 0x2C) && depth == 0 { break }
            end += 1
        }
        var text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<min(end, bytes.count)]), as: UTF8.self)
        if end - index >= max { text += "…" }
        return text
    }
}
