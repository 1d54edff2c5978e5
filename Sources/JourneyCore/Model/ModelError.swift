/// A journey model that cannot be used: the JSON path at fault and what is wrong there.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable code: `invalid_model`.
    public static let code = "invalid_model"
    /// JSON path of the offending value, e.g. `$.rules[3].stage`.
    public var path: String
    /// What is wrong.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
