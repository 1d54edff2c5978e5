import JourneyStore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-01-02T03:04:05.123Z", "2026-01-02T03:04:05.123Z"),
        ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05.000Z"),
        ("2026-01-02t03:04:05.1z", "2026-01-02T03:04:05.100Z"),
        ("2026-01-02T03:04:05.12345678+02:00", "2026-01-02T01:04:05.123Z"),
        ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00.000Z"),
        ("2024-02-29T12:00:00-08:30", "2024-02-29T20:30:00.000Z"),
        ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
        ("2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"),
        ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
    ])
    func parsesAndPrintsUTCWithMilliseconds(input: String, printed: String) throws {
        let t = try Timestamp.parse(input).get()
        #expect(t.rfc3339 == printed)
        #expect(try Timestamp.parse(t.rfc3339).get() == t)
    }

    @Test func knownEpochValues() throws {
        #expect(try Timestamp.parse("1970-01-01T00:00:00Z").get().milliseconds == 0)
        #expect(try Timestamp.parse("2026-01-02T03:04:05.123Z").get().milliseconds == 1_767_323_045_123)
        #expect(Timestamp(milliseconds: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
    }

    @Test(arguments: [
        "", "2026-01-02", "2026-01-02T03:04:05", "2026-01-02 03:04:05Z", "2026-1-02T03:04:05Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-01-02T24:00:00Z", "2026-01-02T23:60:00Z", "2026-01-02T03:04:05.Z", "2026-01-02T03:04:05+2:00",
        "2026-01-02T03:04:05+24:00", "2026-01-02T03:04:05Zjunk", "yesterday", "0000-01-01T00:00:00+01:00",
    ])
    func rejects(input: String) {
        #expect(throws: TimestampError.self) { try Timestamp.parse(input).get() }
    }

    @Test func roundTripsEveryDayForFourHundredYears() throws {
        // Every day of a full Gregorian cycle, to cover the calendar arithmetic.
        var ms: Int64 = try Timestamp.parse("1900-01-01T12:34:56.789Z").get().milliseconds
        for _ in 0..<(146_097) {
            let t = Timestamp(milliseconds: ms)
            #expect(try Timestamp.parse(t.rfc3339).get() == t)
            ms += 86_400_000
        }
    }
}
