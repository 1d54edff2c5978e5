/// What a writer expects of a customer's stream before its events are appended
/// (optimistic concurrency). A mismatch writes nothing and reports the actual version.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must be empty (the customer has no events yet).
    case noStream
    /// The stream must hold at least one event.
    case exists
    /// The stream's current version (its last event's version) must be exactly this.
    case exact(UInt64)

    /// Parses `any`, `no-stream` (or `noStream`), `exists`, or a non-negative number
    /// (`0` means the same as `no-stream`).
    public init?(parsing text: String) {
        switch text {
        case "any": self = .any
        case "no-stream", "noStream", "no_stream": self = .noStream
        case "exists": self = .exists
        default:
            guard let n = UInt64(text) else { return nil }
            self = n == 0 ? .noStream : .exact(n)
        }
    }

    /// The spelling used in JSON and on the command line: `any`, `no-stream`, `exists` or the number.
    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no-stream"
        case .exists: "exists"
        case .exact(let v): String(v)
        }
    }

    /// Whether a stream at `version` (0 = empty) satisfies the expectation.
    public func isSatisfied(by version: UInt64) -> Bool {
        switch self {
        case .any: true
        case .noStream: version == 0
        case .exists: version > 0
        case .exact(let v): version == v
        }
    }
}
