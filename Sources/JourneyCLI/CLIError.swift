import JourneyStore

/// A command failure: a message for standard error and the exit code
/// (0 success, 1 failure, 2 bad usage or bad input).
public struct CLIError: Error, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }

    /// Codes that mean the caller's input was wrong (exit 2); every other is a failure (1).
    /// A server's problem types are the same codes, so both modes exit alike.
    static let badInput: Set<String> = [
        "invalid_event", "invalid_argument", "invalid_model", "payload_too_large", "unsupported_media_type",
        "master_key_missing", "master_key_wrong", "master_key_invalid", "format_outdated",
    ]

    /// Maps a store error (or a server's problem): client mistakes are bad input (2), everything else a failure (1).
    init(_ error: StoreError) {
        self.init(error.description, exitCode: Self.badInput.contains(error.code.rawValue) ? 2 : 1)
    }
}
