#if canImport(Glibc)
import Glibc
#endif

/// Reads one value out of compact JSON text (an event's stored `properties`) by a path of
/// object keys, without parsing the rest: the one way the package reads a property path.
public enum JSONPath {
    /// The value at `path` (nested object keys), or `nil` when absent.
    public static func value(at path: [String], in properties: UnsafeRawBufferPointer) -> JSONValue? {
        guard !path.isEmpty else { return nil }
        var bytes = properties
        for (depth, key) in path.enumerated() {
            guard let span = member(key, in: bytes) else { return nil }
            if depth == path.count - 1 { return JSONValue.parse(Array(span)) }
            bytes = span
        }
        return nil
    }

    /// The raw text of the member `key` of the object in `object`, or `nil`.
    private static func member(_ key: String, in object: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard object.first == 0x7B else { return nil }
        let keyBytes = Array(key.utf8)
        var i = 1
        let n = object.count
        while i < n {
            guard object[i] == 0x22 else { return nil }
            // Key: compare in place (compact JSON, keys without escapes match byte for byte).
            let keyStart = i + 1
            var j = keyStart
            var escaped = false
            while j < n && object[j] != 0x22 {
                if object[j] == 0x5C { escaped = true; j += 1 }
                j += 1
            }
            let matches = !escaped && j - keyStart == keyBytes.count
                && keyBytes.withUnsafeBytes { kb in memcmp(kb.baseAddress!, object.baseAddress! + keyStart, kb.count) == 0 }
            i = j + 2  // past the closing quote and ':'
            let valueStart = i
            i = skip(object, from: i)
            if matches { return UnsafeRawBufferPointer(rebasing: object[valueStart..<i]) }
            if i < n && object[i] == 0x2C { i += 1 } else { return nil }
        }
        return nil
    }

    /// Index just past the compact JSON value starting at `i`.
    private static func skip(_ b: UnsafeRawBufferPointer, from start: Int) -> Int {
        var i = start
        var depth = 0
        let n = b.count
        while i < n {
            switch b[i] {
            case 0x22:
                i += 1
                while i < n && b[i] != 0x22 { if b[i] == 0x5C { i += 1 }; i += 1 }
                i += 1
            case 0x7B, 0x5B:
                depth += 1
                i += 1
            case 0x7D, 0x5D:
                if depth == 0 { return i }
                depth -= 1
                i += 1
            case 0x2C:
                if depth == 0 { return i }
                i += 1
            default:
                i += 1
            }
            if depth == 0, i < n, b[i] == 0x2C || b[i] == 0x7D || b[i] == 0x5D { return i }
        }
        return i
    }
}
