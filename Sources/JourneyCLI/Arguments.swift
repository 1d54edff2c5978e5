public import ArgumentParser
public import JourneyCore
public import JourneyStore
public import JourneyPipelines
import Foundation

/// An RFC 3339 time as an option value (`--as-of 2026-03-01T00:00:00Z`). Parsing never fails
/// here, so that ``check(_:)`` (from a command's `validate()`) can say exactly what is wrong:
/// `--occurred-at: day 30 out of range for 2026-02, got "2026-02-30T00:00:00Z"`.
struct TimeArgument: ExpressibleByArgument {
    let text: String
    let parsed: Result<Timestamp, TimestampError>

    init(argument: String) {
        text = argument
        parsed = Timestamp.parse(argument)
    }

    /// The time, or a validation error naming the option, the reason and the value.
    func check(_ option: String) throws -> Timestamp {
        switch parsed {
        case .success(let t): return t
        case .failure(let e): throw ValidationError("\(option): \(e.reason), got \"\(text)\"")
        }
    }

    /// The time (after ``check(_:)`` passed in `validate()`).
    var time: Timestamp? { try? parsed.get() }
}

/// `any`, `no-stream`, `exists` or a version number.
extension ExpectedVersion: ExpressibleByArgument {
    public init?(argument: String) {
        guard let v = ExpectedVersion(parsing: argument) else { return nil }
        self = v
    }
}

/// A projection's name (`customer-stage`, …); a wrong one lists the possible values.
extension ProjectionKind: ExpressibleByArgument {}

extension PipelineFormat: ExpressibleByArgument {}
