/// The compact JSON text of an object (an event's `properties`).
///
/// Stored as it was sent minus insignificant white space, so it reads back equal as JSON:
/// same keys in the same order, numbers with the same digits, strings with the same escapes.
public struct JSONObjectText: Sendable, Hashable, CustomStringConvertible {
    /// UTF-8 JSON text, compact.
    public let bytes: [UInt8]

    init(trustedCompact bytes: [UInt8]) { self.bytes = bytes }

    /// Validates `text` as a JSON object and keeps its compact form.
    /// Throws `invalid_event` for field `properties` when it is not an object or not valid JSON.
    public init(validating text: some Collection<UInt8>, maxDepth: Int = EventLimits().maxPropertiesDepth) throws(StoreError) {
        let array = Array(text)
        let result: Result<[UInt8], StoreError> = array.withUnsafeBytes { raw in
            var scanner = JSONScanner(raw)
            scanner.skipWhitespace()
            guard scanner.current == 0x7B else {
                return .failure(.invalid("properties", "expected an object, got \(scanner.kindAtCursor)"))
            }
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            do throws(JSONSyntaxError) {
                try scanner.copyValue(into: &out, copying: true, depth: 0, maxDepth: maxDepth)
                scanner.skipWhitespace()
                guard scanner.isAtEnd else { throw scanner.error(expected: "end of input") }
            } catch {
                return .failure(.invalid("properties", "malformed JSON at byte \(error.offset): \(error.message)"))
            }
            return .success(out)
        }
        self.bytes = try result.get()
    }

    /// Validates a JSON object given as a string.
    public init(validating text: String) throws(StoreError) {
        try self.init(validating: Array(text.utf8))
    }

    /// The empty object `{}`.
    public static let empty = JSONObjectText(trustedCompact: [0x7B, 0x7D])

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
