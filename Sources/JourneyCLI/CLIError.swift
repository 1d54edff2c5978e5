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

    /// Maps a store error: client mistakes are bad input (2), everything else a failure (1).
    init(_ error: StoreError) {
        let code: Int32 = switch error.code {
        case .invalidEvent, .invalidArgument, .masterKeyMissing, .masterKeyWrong, .masterKeyInvalid, .formatOutdated: 2
        default: 1
        }
        self.init(error.description, exitCode: code)
    }
}
