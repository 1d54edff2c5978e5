/// One check of a store's health: what was looked at, how it stands, and what to do.
public struct HealthCheck: Sendable, Equatable, Codable {
    /// How a check stands: `ok`, `warn` (works, but needs attention) or `fail`.
    public enum Status: String, Sendable, Codable {
        case ok, warn, fail
    }

    public var name: String
    public var status: Status
    public var detail: String
    /// What to do, when the check is not `ok`.
    public var advice: String?

    public init(_ name: String, _ status: Status, _ detail: String, _ advice: String? = nil) {
        self.name = name
        self.status = status
        self.detail = detail
        self.advice = advice
    }
}
