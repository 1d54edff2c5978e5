import Foundation
import JourneyStore
import Testing

@Suite struct VerifyTests {
    @Test func cleanLogVerifies() async throws {
        let f = try StoreFixture()
        for i in 0..<50 { _ = try await f.store.append(event("c\(i % 4)")) }
        let report = try f.store.verify(chunk: 7)
        #expect(report.isValid)
        #expect(report.checked == 50 && report.head == 50)
        #expect(report.headHash != ChainHash.genesis)
    }

    @Test func emptyLogVerifies() throws {
        let f = try StoreFixture()
        #expect(try f.store.verify().isValid)
    }

    /// Flips one byte of one record in data.mdb: verify names that record's position.
    @Test func detectsAFlippedByte() async throws {
        let f = try StoreFixture()
        for i in 1...30 {
            let marker = i == 17 ? "tamper-me-here" : "untouched-\(i)"
            _ = try await f.store.append(NewEvent(customerId: "c\(i % 3)", type: "t", touchpoint: marker))
        }
        f.store.close()
        let path = f.directory.appending("data/data.mdb")
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let marker = Data("tamper-me-here".utf8)
        // Copy-on-write leaves stale copies of pages behind: flip the marker everywhere.
        var flipped = 0
        var from = data.startIndex
        while let range = data.range(of: marker, in: from..<data.endIndex) {
            data[range.lowerBound + 3] ^= 0x01
            flipped += 1
            from = range.upperBound
        }
        #expect(flipped >= 1)
        try data.write(to: URL(fileURLWithPath: path))
        let reopened = try EventStore(directory: f.directory.appending("data"))
        defer { reopened.close() }
        let report = try reopened.verify()
        #expect(!report.isValid)
        #expect(report.firstBadPosition == 17)
        #expect(report.problem?.contains("chain hash mismatch") == true)
        #expect(report.checked == 16)
    }
}
