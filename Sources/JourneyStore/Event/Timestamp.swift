/// A point in time with millisecond precision, stored as milliseconds since 1970-01-01T00:00:00Z.
///
/// Parses RFC 3339 (`2026-01-02T03:04:05Z`, `…05.123456+02:00`; digits past milliseconds are
/// truncated) without Foundation's formatters, and always prints UTC with milliseconds
/// (`2026-01-02T03:04:05.123Z`). Years 0000–9999 (after conversion to UTC).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch (negative before 1970).
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The current wall-clock time.
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    /// Earliest and latest representable instants (0000-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z).
    public static let minimum = Timestamp(milliseconds: Timestamp.daysFromCivil(0, 1, 1) * 86_400_000)
    public static let maximum = Timestamp(milliseconds: Timestamp.daysFromCivil(9999, 12, 31) * 86_400_000 + 86_399_999)

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    public var description: String { rfc3339 }

    // MARK: Parsing

    /// Parses an RFC 3339 timestamp; `nil` with no explanation. See ``parse(_:)`` for the reason.
    public init?(rfc3339 text: String) {
        guard case .success(let t) = Timestamp.parse(text) else { return nil }
        self = t
    }

    /// Parses an RFC 3339 timestamp, or says what is wrong with it.
    public static func parse(_ text: String) -> Result<Timestamp, TimestampError> {
        var t = text
        return t.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Parses RFC 3339 from UTF-8 bytes.
    public static func parse(_ b: UnsafeRawBufferPointer) -> Result<Timestamp, TimestampError> {
        let n = b.count
        @inline(__always) func digit(_ i: Int) -> Int? {
            guard i < n else { return nil }
            let c = b[i]
            return (c >= 48 && c <= 57) ? Int(c - 48) : nil
        }
        @inline(__always) func number(_ i: Int, _ width: Int) -> Int? {
            var v = 0
            for k in 0..<width {
                guard let d = digit(i + k) else { return nil }
                v = v * 10 + d
            }
            return v
        }
        @inline(__always) func byte(_ i: Int) -> UInt8 { i < n ? b[i] : 0 }
        let shape = TimestampError(reason: "expected an RFC 3339 timestamp like 2026-01-02T03:04:05.123Z")
        guard n >= 20, let year = number(0, 4), byte(4) == 0x2D, let month = number(5, 2), byte(7) == 0x2D,
              let day = number(8, 2), byte(10) == 0x54 || byte(10) == 0x74,
              let hour = number(11, 2), byte(13) == 0x3A, let minute = number(14, 2), byte(16) == 0x3A,
              let second = number(17, 2)
        else { return .failure(shape) }
        var i = 19
        var millis = 0
        if byte(i) == 0x2E {
            i += 1
            var digits = 0
            while let d = digit(i) {
                if digits < 3 { millis = millis * 10 + d }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return .failure(shape) }
            if digits == 1 { millis *= 100 } else if digits == 2 { millis *= 10 }
        }
        var offsetMinutes = 0
        switch byte(i) {
        case 0x5A, 0x7A: // Z z
            i += 1
        case 0x2B, 0x2D: // + -
            guard let oh = number(i + 1, 2), byte(i + 3) == 0x3A, let om = number(i + 4, 2) else { return .failure(shape) }
            guard oh <= 23, om <= 59 else { return .failure(TimestampError(reason: "offset out of range")) }
            offsetMinutes = (oh * 60 + om) * (byte(i) == 0x2D ? -1 : 1)
            i += 6
        default:
            return .failure(TimestampError(reason: "missing time zone offset (Z or ±hh:mm)"))
        }
        guard i == n else { return .failure(shape) }
        guard (1...12).contains(month) else { return .failure(TimestampError(reason: "month \(month) out of range")) }
        guard day >= 1, day <= daysInMonth(year, month) else {
            return .failure(TimestampError(reason: "day \(day) out of range for \(year)-\(month < 10 ? "0" : "")\(month)"))
        }
        guard hour <= 23, minute <= 59, second <= 60 else { return .failure(TimestampError(reason: "time of day out of range")) }
        // A leap second (23:59:60) has no place on the store's millisecond clock, and silently
        // folding it into the next second would reorder it after events of that second.
        guard second < 60 else {
            return .failure(TimestampError(reason: "second 60 (a leap second) is not supported: send 23:59:59.999 instead"))
        }
        let days = daysFromCivil(Int64(year), Int64(month), Int64(day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        let t = Timestamp(milliseconds: seconds * 1000 + Int64(millis))
        guard t >= minimum, t <= maximum else { return .failure(TimestampError(reason: "outside years 0000–9999 in UTC")) }
        return .success(t)
    }

    // MARK: Formatting

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var rfc3339: String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        append(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 bytes) to `out`.
    @inline(__always)
    public func append(to out: inout [UInt8]) {
        let ms = milliseconds
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let rem = Int(ms - days * 86_400_000)
        let (y, m, d) = Timestamp.civilFromDays(days)
        let h = rem / 3_600_000, mi = (rem / 60_000) % 60, s = (rem / 1000) % 60, f = rem % 1000
        @inline(__always) func put(_ v: Int, _ width: Int) {
            var div = 1
            for _ in 1..<width { div *= 10 }
            var v = v
            while div > 0 {
                out.append(UInt8(48 + (v / div) % 10))
                v %= div
                div /= 10
            }
        }
        put(Int(y), 4); out.append(0x2D); put(Int(m), 2); out.append(0x2D); put(Int(d), 2)
        out.append(0x54)
        put(h, 2); out.append(0x3A); put(mi, 2); out.append(0x3A); put(s, 2); out.append(0x2E); put(f, 3)
        out.append(0x5A)
    }

    // MARK: Calendar (proleptic Gregorian; Howard Hinnant's algorithms)

    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Why a timestamp did not parse.
public struct TimestampError: Error, Sendable, Equatable {
    public var reason: String
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
