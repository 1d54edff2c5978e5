import Foundation
import JourneyStore
import Testing
import JourneyJSON

@Suite struct AppendTests {
    @Test func assignsGaplessPositionsAndPerCustomerVersions() async throws {
        let f = try StoreFixture()
        let r = try await f.store.append([event("a"), event("b"), event("a"), event("c"), event("a")])
        #expect(r.events.map(\.position) == [1, 2, 3, 4, 5])
        #expect(r.events.map(\.version) == [1, 1, 2, 1, 3])
        #expect(r.written == 5 && r.duplicates == 0)
        #expect(r.headPosition == 5)
        let r2 = try await f.store.append([event("b")])
        #expect(r2.events[0].position == 6 && r2.events[0].version == 2)
        #expect(try f.store.headPosition() == 6)
        #expect(try f.store.streamVersion("a") == 3)
        #expect(try f.store.streamVersion("nobody") == 0)
    }

    @Test func storesEveryFieldAndReadsItBackEqual() async throws {
        let f = try StoreFixture()
        let props = #"{"orderValue":129.50,"currency":"EUR","items":[{"sku":"A-1","qty":2}],"gift":false,"note":null,"text":"ünï \"q\" \n"}"#
        let sent = NewEvent(
            id: "evt-1", customerId: "kunde-ü", type: "purchase",
            occurredAt: Timestamp(rfc3339: "2026-03-04T05:06:07.089+01:00"), touchpoint: "checkout_page",
            channel: "web", sentiment: -0.35, properties: try JSONObjectText(validating: props))
        let before = Timestamp.now()
        _ = try await f.store.append(sent)
        let stored = try #require(try f.store.event(id: "evt-1"))
        #expect(stored.position == 1 && stored.version == 1)
        #expect(stored.customerId == "kunde-ü" && stored.type == "purchase")
        #expect(stored.occurredAt.rfc3339 == "2026-03-04T04:06:07.089Z")
        #expect(stored.touchpoint == "checkout_page" && stored.channel == "web")
        #expect(stored.sentiment == -0.35)
        #expect(stored.recordedAt >= Timestamp(milliseconds: before.milliseconds - 1))
        #expect(stored.properties?.description == props)
        // The JSON shape parses back to the same event (and its properties to equal JSON).
        let json = stored.json
        #expect(json.hasPrefix(#"{"position":1,"version":1,"id":"evt-1","customerId":"kunde-ü","type":"purchase","occurredAt":"2026-03-04T04:06:07.089Z","recordedAt":""#))
        let reparsed = try EventParser().parse(json)
        #expect(reparsed.properties == sent.properties)
        let a = try JSONSerialization.jsonObject(with: Data(props.utf8)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(stored.properties!.bytes)) as? NSDictionary
        #expect(a == b)
    }

    @Test func defaultsOccurredAtToTheTimeReceivedAndGeneratesIds() async throws {
        let f = try StoreFixture()
        let r = try await f.store.append(NewEvent(customerId: "a", type: "t"))
        let stored = try #require(try f.store.event(id: r.id))
        #expect(stored.occurredAt == stored.recordedAt)
        #expect(r.id.count == 36)
        #expect(r.id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        let r2 = try await f.store.append(NewEvent(customerId: "a", type: "t"))
        #expect(r2.id != r.id)
    }

    @Test func aDuplicateIdWithTheSameContentIsNotWrittenAgain() async throws {
        let f = try StoreFixture()
        let e = event("a", id: "dup-1", at: "2026-01-01T00:00:00Z", properties: #"{"x":1,"y":[1,2]}"#)
        let first = try await f.store.append(e)
        _ = try await f.store.append(event("b"))
        let again = try await f.store.append(e)
        #expect(again.duplicate && again.position == first.position && again.version == first.version)
        // Same JSON in another key order and spacing is the same content.
        var reordered = e
        reordered.properties = try JSONObjectText(validating: #"{ "y" : [1, 2], "x": 1.0 }"#)
        let third = try await f.store.append(reordered)
        #expect(third.duplicate && third.position == 1)
        #expect(try f.store.headPosition() == 2)
    }

    @Test func retryWithoutOccurredAtMatchesAnOriginalWithoutIt() async throws {
        let f = try StoreFixture()
        let e = NewEvent(id: "no-time", customerId: "a", type: "t")
        _ = try await f.store.append(e)
        try await Task.sleep(for: .milliseconds(5))
        let again = try await f.store.append(e)
        #expect(again.duplicate)
        var timed = e
        timed.occurredAt = Timestamp(rfc3339: "2026-01-01T00:00:00Z")
        await #expect(throws: StoreError.self) { try await f.store.append(timed) }
    }

    @Test func aDuplicateIdWithDifferentContentIsAConflictAndWritesNothing() async throws {
        let f = try StoreFixture()
        _ = try await f.store.append(event("a", "purchase", id: "x-1"))
        do {
            _ = try await f.store.append([event("z"), event("a", "refund", id: "x-1")])
            Issue.record("expected a conflict")
        } catch {
            #expect(error.code == .eventIdConflict)
            #expect(error.index == 1)
            #expect(error.message.contains("x-1"))
        }
        #expect(try f.store.headPosition() == 1)
        #expect(try f.store.streamVersion("z") == 0)
    }

    @Test func repeatedIdsWithinOneBatch() async throws {
        let f = try StoreFixture()
        let r = try await f.store.append([event("a", id: "r1"), event("b", id: "r2"), event("a", id: "r1")])
        #expect(r.events.map(\.duplicate) == [false, false, true])
        #expect(r.events[2].position == r.events[0].position)
        #expect(try f.store.headPosition() == 2)
        await #expect(throws: StoreError.self) {
            try await f.store.append([event("a", "t1", id: "r3"), event("a", "t2", id: "r3")])
        }
        #expect(try f.store.headPosition() == 2)
    }

    @Test func expectedVersions() async throws {
        let f = try StoreFixture()
        let s = f.store
        _ = try await s.append(event("a"), expected: .noStream)
        _ = try await s.append(event("a"), expected: .exists)
        _ = try await s.append(event("a"), expected: .exact(2))
        _ = try await s.append(event("a"), expected: .any)
        for (expected, actual) in [(ExpectedVersion.noStream, UInt64(4)), (.exact(3), 4), (.exact(9), 4)] {
            do {
                _ = try await s.append(event("a"), expected: expected)
                Issue.record("expected a conflict for \(expected)")
            } catch {
                #expect(error.code == .wrongExpectedVersion)
                #expect(error.expectedVersion == expected)
                #expect(error.actualVersion == actual)
                #expect(error.customerId == "a")
            }
        }
        do {
            _ = try await s.append(event("new"), expected: .exists)
            Issue.record("expected a conflict")
        } catch {
            #expect(error.actualVersion == 0)
        }
        #expect(try s.headPosition() == 4)
    }

    @Test func aFullyDuplicateRetrySkipsTheVersionCheck() async throws {
        let f = try StoreFixture()
        let e = event("a", id: "once")
        _ = try await f.store.append([e], expectations: ["a": .noStream])
        let retry = try await f.store.append([e], expectations: ["a": .noStream])
        #expect(retry.events[0].duplicate)
    }

    @Test func invalidEventsFailTheWholeBatch() async throws {
        let f = try StoreFixture()
        var bad = event("b")
        bad.sentiment = 3
        do {
            _ = try await f.store.append([event("a"), bad])
            Issue.record("expected invalid_event")
        } catch {
            #expect(error.code == .invalidEvent)
            #expect(error.index == 1)
            #expect(error.field == "sentiment")
        }
        #expect(try f.store.headPosition() == 0)
        await #expect(throws: StoreError.self) { try await f.store.append(NewEvent(customerId: "", type: "t")) }
        await #expect(throws: StoreError.self) { try await f.store.append(NewEvent(customerId: "a\u{0}b", type: "t")) }
    }

    @Test func oneCallersConflictDoesNotFailTheOthersInTheSameCommit() async throws {
        let f = try StoreFixture()
        _ = try await f.store.append(event("a"))
        // Queue many appends at once so they share commits; only the bad one fails.
        let tickets = (0..<50).map { i in
            f.store.submit(.append([event("c\(i)")], expectations: i == 25 ? ["a": .noStream] : [:]))
        }
        var failures = 0
        for (i, t) in tickets.enumerated() {
            do {
                _ = try await t.result()
            } catch {
                failures += 1
                #expect(i == 25)
                #expect(error.code == .wrongExpectedVersion)
            }
        }
        #expect(failures == 1)
        #expect(try f.store.headPosition() == 50)
        #expect(f.store.writerMetrics.commits < 50)
    }

    @Test func longCustomerIdsAndManyCustomers() async throws {
        let f = try StoreFixture()
        let long = String(repeating: "€", count: 256)  // 768 bytes: over LMDB's key limit
        _ = try await f.store.append(event(long))
        _ = try await f.store.append(event(long))
        #expect(try f.store.streamVersion(long) == 2)
        #expect(try f.store.readStream(long).map(\.version) == [1, 2])
        #expect(try f.store.statistics().customers == 1)
    }

    /// A store that cannot grow (as with a full disk) fails appends cleanly: a storage error,
    /// nothing of the failed append written, everything acknowledged before still there.
    @Test func aFullStoreFailsCleanlyAndKeepsWhatWasAcknowledged() async throws {
        let f = try StoreFixture {
            $0.initialMapSize = 256 * 1024
            $0.maximumMapSize = 1024 * 1024
        }
        var acknowledged = 0
        var failure: StoreError?
        for i in 0..<1000 {
            do {
                let r = try await f.store.append((0..<20).map { j in
                    event("full-\(j)", properties: #"{"pad":"\#(String(repeating: "x", count: 300))","i":\#(i)}"#)
                })
                acknowledged += r.written
            } catch {
                failure = error
                break
            }
        }
        let e = try #require(failure)
        #expect(e.code == .storage)
        #expect(e.lmdbCode == LMDBErrorCode.mapFull)
        if let upstream = f.upstream {
            // A replica that cannot grow: what PostgreSQL committed is acknowledged (it is in the
            // log) even when the replica's own commit then failed; the replica lags, the log not.
            #expect(try await upstream.log.headPosition() == UInt64(acknowledged))
            #expect(try f.store.verify().isValid)
            return
        }
        #expect(try f.store.headPosition() == UInt64(acknowledged))
        #expect(try f.store.verify().isValid)
        // Reads still work, and so does a smaller append that fits.
        #expect(try f.store.readLog(from: UInt64(acknowledged), limit: 1).count == 1)
    }
}
