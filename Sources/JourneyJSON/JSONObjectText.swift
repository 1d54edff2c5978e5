/// The compact JSON text of an object (an event's `properties`).
///
/// Stored as it was sent minus insignificant white space, so it reads back equal as JSON:
/// same keys in the same order, numbers with the same digits, strings with the same escapes.
public struct JSONObjectText: Sendable, Hashable, CustomStringConvertible {
    /// UTF-8 JSON text, compact.
    public let bytes: [UInt8]

    /// Text already known to be a compact JSON object (scanned by this package's scanner).
    package init(trustedCompact bytes: [UInt8]) { self.bytes = bytes }

    /// The deepest nesting a `properties` object may have (objects and arrays), by default.
    public static let defaultMaxDepth = 64

    /// Validates `text` as a JSON object (unique keys, nesting at most `maxDepth`) and keeps its
    /// compact form. The error says what is wrong and where.
    public init(validating text: some Collection<UInt8>, maxDepth: Int = JSONObjectText.defaultMaxDepth) throws(JSONObjectText.Invalid) {
        let array = Array(text)
        let result: Result<[UInt8], JSONObjectText.Invalid> = array.withUnsafeBytes { raw in
            var scanner = JSONScanner(raw)
            scanner.skipWhitespace()
            guard scanner.current == 0x7B else {
                return .failure(Invalid(message: "expected an object, got \(scanner.kindAtCursor)"))
            }
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            do throws(JSONSyntaxError) {
                try scanner.copyValue(into: &out, copying: true, depth: 0, maxDepth: maxDepth)
                scanner.skipWhitespace()
                guard scanner.isAtEnd else { throw scanner.error(expected: "end of input") }
            } catch {
                return .failure(Invalid(message: "malformed JSON at byte \(error.offset): \(error.message)"))
            }
            return .success(out)
        }
        self.bytes = try result.get()
    }

    /// Validates a JSON object given as a string.
    public init(validating text: String) throws(JSONObjectText.Invalid) {
        try self.init(validating: Array(text.utf8))
    }

    /// The empty object `{}`.
    public static let empty = JSONObjectText(trustedCompact: [0x7B, 0x7D])

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// Why text is not a valid JSON object.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// What is wrong, e.g. `malformed JSON at byte 7: duplicate key "k" …`.
        public var message: String
        public var description: String { message }
    }
}
