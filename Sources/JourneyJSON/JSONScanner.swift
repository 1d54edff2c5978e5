#if canImport(Glibc)
import Glibc
#endif

/// A strict, allocation-light JSON scanner over UTF-8 bytes, built for the event shape.
///
/// It validates as it goes (RFC 8259 grammar, UTF-8 inside strings, nesting depth) and reports
/// the first problem with its 1-based byte offset. Strings decode to `String` only when asked;
/// nested values can be copied out in compact form (insignificant white space removed) or skipped.
package struct JSONScanner {
    package let bytes: UnsafeRawBufferPointer
    package var index: Int

    package init(_ bytes: UnsafeRawBufferPointer, index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    package var isAtEnd: Bool { index >= bytes.count }

    /// The byte at the cursor, or 0 past the end.
    @inline(__always) package var current: UInt8 { index < bytes.count ? bytes[index] : 0 }

    @inline(__always) package mutating func skipWhitespace() {
        while index < bytes.count {
            let c = bytes[index]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            index += 1
        }
    }

    /// An error at the cursor: "at byte 17: expected ':', found 'x'".
    package func error(expected: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index + 1, message: "expected \(expected), found \(describeCurrent())")
    }

    package func describeCurrent() -> String {
        guard index < bytes.count else { return "end of input" }
        let c = bytes[index]
        if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x\(String(c, radix: 16, uppercase: true).leftPadded(2))"
    }

    @inline(__always) package mutating func expect(_ byte: UInt8, _ name: String) throws(JSONSyntaxError) {
        guard current == byte else { throw error(expected: name) }
        index += 1
    }

    /// What kind of value starts at the cursor, for messages ("a string", "a number", …).
    package var kindAtCursor: String {
        switch current {
        case 0x22: "a string"
        case 0x7B: "an object"
        case 0x5B: "an array"
        case 0x74, 0x66: "a boolean"
        case 0x6E: "null"
        case 0x2D, 0x30...0x39: "a number"
        default: "invalid JSON"
        }
    }

    // MARK: Strings

    /// A scanned string: the bytes between the quotes (escapes still encoded).
    package struct RawString {
        package var start: Int
        package var end: Int
        package var hasEscapes: Bool
        package var codePoints: Int
    }

    /// Scans a string at the cursor (which must be at `"`), validating escapes and UTF-8.
    @inline(__always)
    package mutating func scanString() throws(JSONSyntaxError) -> RawString {
        guard current == 0x22 else { throw error(expected: "a string") }
        index += 1
        let start = index
        var escapes = false
        var points = 0
        let n = bytes.count
        while index < n {
            let c = bytes[index]
            if c == 0x22 {
                let s = RawString(start: start, end: index, hasEscapes: escapes, codePoints: points)
                index += 1
                return s
            }
            if c == 0x5C {
                escapes = true
                index += 1
                guard index < n else { break }
                switch bytes[index] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
                    index += 1
                    points += 1
                case 0x75:
                    let first = try hex4(at: index + 1)
                    index += 5
                    if first >= 0xD800 && first <= 0xDBFF {
                        guard current == 0x5C, index + 1 < n, bytes[index + 1] == 0x75 else {
                            throw JSONSyntaxError(offset: index + 1, message: "lone high surrogate \\u\(String(first, radix: 16)) in string")
                        }
                        let second = try hex4(at: index + 2)
                        guard second >= 0xDC00 && second <= 0xDFFF else {
                            throw JSONSyntaxError(offset: index + 1, message: "invalid low surrogate \\u\(String(second, radix: 16)) in string")
                        }
                        index += 6
                    } else if first >= 0xDC00 && first <= 0xDFFF {
                        throw JSONSyntaxError(offset: index - 5, message: "lone low surrogate \\u\(String(first, radix: 16)) in string")
                    }
                    points += 1
                default:
                    throw JSONSyntaxError(offset: index + 1, message: "invalid escape sequence in string")
                }
                continue
            }
            if c < 0x20 {
                throw JSONSyntaxError(offset: index + 1, message: "unescaped control character 0x\(String(c, radix: 16, uppercase: true).leftPadded(2)) in string")
            }
            if c < 0x80 {
                index += 1
            } else {
                index += try utf8Sequence(at: index)
            }
            points += 1
        }
        throw JSONSyntaxError(offset: n + 1, message: "unterminated string")
    }

    @inline(__always)
    private func hex4(at i: Int) throws(JSONSyntaxError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw JSONSyntaxError(offset: i, message: "truncated \\u escape in string") }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = bytes[i + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw JSONSyntaxError(offset: i + k + 1, message: "invalid hex digit in \\u escape")
            }
            v = v << 4 | d
        }
        return v
    }

    /// Length of the valid UTF-8 sequence starting at `i` (a byte ≥ 0x80), or an error.
    @inline(__always)
    package func utf8Sequence(at i: Int) throws(JSONSyntaxError) -> Int {
        let n = bytes.count
        let c0 = bytes[i]
        @inline(__always) func cont(_ k: Int) -> Bool { i + k < n && bytes[i + k] & 0xC0 == 0x80 }
        let bad = JSONSyntaxError(offset: i + 1, message: "invalid UTF-8")
        switch c0 {
        case 0xC2...0xDF:
            guard cont(1) else { throw bad }
            return 2
        case 0xE0...0xEF:
            guard cont(1), cont(2) else { throw bad }
            let c1 = bytes[i + 1]
            if c0 == 0xE0 && c1 < 0xA0 { throw bad }  // overlong
            if c0 == 0xED && c1 > 0x9F { throw bad }  // surrogates
            return 3
        case 0xF0...0xF4:
            guard cont(1), cont(2), cont(3) else { throw bad }
            let c1 = bytes[i + 1]
            if c0 == 0xF0 && c1 < 0x90 { throw bad }
            if c0 == 0xF4 && c1 > 0x8F { throw bad }
            return 4
        default:
            throw bad
        }
    }

    /// Decodes a scanned string.
    package func decode(_ s: RawString) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[s.start..<s.end])
        if !s.hasEscapes { return String(decoding: slice, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(slice.count)
        var i = s.start
        while i < s.end {
            let c = bytes[i]
            guard c == 0x5C else { out.append(c); i += 1; continue }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var v = (try? hex4(at: i)) ?? 0xFFFD
                i += 4
                if v >= 0xD800 && v <= 0xDBFF {
                    let low = (try? hex4(at: i + 2)) ?? 0xDC00
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: out.append(e)  // " \ /
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether two scanned strings denote the same text (escapes decoded when either has any).
    package func sameKey(_ a: RawString, _ b: RawString) -> Bool {
        if a.hasEscapes || b.hasEscapes { return a.codePoints == b.codePoints && decode(a) == decode(b) }
        let n = a.end - a.start
        guard n == b.end - b.start else { return false }
        return memcmp(bytes.baseAddress! + a.start, bytes.baseAddress! + b.start, n) == 0
    }

    /// Whether the scanned string equals `literal` (compared without decoding when possible).
    @inline(__always)
    package func equals(_ s: RawString, _ literal: StaticString) -> Bool {
        guard !s.hasEscapes else { return decode(s) == literal.description }
        let count = s.end - s.start
        guard count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for k in 0..<count where bytes[s.start + k] != p[k] { return false }
        return true
    }

    package mutating func readString() throws(JSONSyntaxError) -> String {
        decode(try scanString())
    }

    // MARK: Numbers

    /// Scans a number at the cursor; returns the byte range of its text.
    @inline(__always)
    package mutating func scanNumber() throws(JSONSyntaxError) -> Range<Int> {
        let start = index
        if current == 0x2D { index += 1 }
        if current == 0x30 {
            index += 1
        } else if current >= 0x31 && current <= 0x39 {
            while current >= 0x30 && current <= 0x39 { index += 1 }
        } else {
            throw error(expected: "a digit")
        }
        if current == 0x2E {
            index += 1
            guard current >= 0x30 && current <= 0x39 else { throw error(expected: "a digit after '.'") }
            while current >= 0x30 && current <= 0x39 { index += 1 }
        }
        if current == 0x65 || current == 0x45 {
            index += 1
            if current == 0x2B || current == 0x2D { index += 1 }
            guard current >= 0x30 && current <= 0x39 else { throw error(expected: "a digit in the exponent") }
            while current >= 0x30 && current <= 0x39 { index += 1 }
        }
        return start..<index
    }

    /// Scans a number and converts it to `Double`.
    package mutating func readNumber() throws(JSONSyntaxError) -> Double {
        let r = try scanNumber()
        return Self.double(UnsafeRawBufferPointer(rebasing: bytes[r]))
    }

    /// Converts validated JSON number text to `Double` (fast path for plain decimals).
    package static func double(_ text: UnsafeRawBufferPointer) -> Double {
        // Fast path: up to 15 significant digits, no exponent: exact via one division.
        var i = 0
        var negative = false
        if text.first == 0x2D { negative = true; i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var sawDot = false
        while i < text.count {
            let c = text[i]
            if c == 0x2E { sawDot = true; i += 1; continue }
            guard c >= 0x30 && c <= 0x39, digits < 15 else {
                return Double(String(decoding: text, as: UTF8.self)) ?? .nan
            }
            mantissa = mantissa * 10 + UInt64(c - 0x30)
            if mantissa > 0 { digits += 1 }
            if sawDot { scale += 1 }
            i += 1
        }
        let powers: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]
        guard scale < powers.count else { return Double(String(decoding: text, as: UTF8.self)) ?? .nan }
        let v = Double(mantissa) / powers[scale]
        return negative ? -v : v
    }
}

/// Malformed JSON: where (1-based byte offset) and what was expected.
package struct JSONSyntaxError: Error, Sendable {
    package var offset: Int
    package var message: String

    package init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
}
