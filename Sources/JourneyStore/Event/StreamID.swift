import Crypto

/// Whose stream an event is in: a known customer's, or an anonymous visitor's (a visitor not
/// yet known: Segment's `anonymousId`). The two are separate namespaces: customer `x` and
/// visitor `x` are two streams. An event that names both is in the customer's stream and links
/// the two (see the identity graph).
public enum StreamID: Sendable, Hashable, CustomStringConvertible {
    case customer(String)
    case anonymous(String)

    /// The id as sent.
    public var id: String {
        switch self {
        case .customer(let s), .anonymous(let s): s
        }
    }

    public var isAnonymous: Bool { if case .anonymous = self { true } else { false } }

    /// `customer x` or `anonymous visitor x`.
    public var description: String { isAnonymous ? "anonymous visitor \(id)" : "customer \(id)" }

    /// The field that names it in an event: `customerId` or `anonymousId`.
    public var field: String { isAnonymous ? "anonymousId" : "customerId" }

    /// The key of the stream in every index and view (see ``CustomerKey``): a customer's is
    /// the id's bytes (or a hash); a visitor's starts with byte 1, which no id can start with
    /// (control characters are refused), so the two namespaces never meet.
    public var key: [UInt8] {
        switch self {
        case .customer(let s): CustomerKey.of(s)
        case .anonymous(let s): CustomerKey.anonymous(Array(s.utf8))
        }
    }

    /// The stream of a key made by ``key``.
    public init?(key: [UInt8], id: String) {
        self = key.first == CustomerKey.anonymousPrefix ? .anonymous(id) : .customer(id)
    }
}
