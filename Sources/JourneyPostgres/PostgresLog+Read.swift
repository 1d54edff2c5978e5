public import JourneyStore
import NIOCore
import PostgresNIO

extension PostgresLog {
    /// The position of the last event (0 when empty).
    public func headPosition() async throws(StoreError) -> UInt64 {
        do {
            return try await primary.withConnection { [logger] c in
                for try await position in try await c.query("SELECT position FROM journey_head WHERE id = 1", logger: logger).decode(Int64.self) {
                    return UInt64(position)
                }
                return 0
            }
        } catch {
            throw Self.storeError(error, "cannot read the head")
        }
    }

    /// Up to `limit` events from `position` on, in log order.
    public func readLog(from position: UInt64 = 1, limit: Int = 100) async throws(StoreError) -> [StoredEvent] {
        try await events("reading the log", """
            SELECT position, record FROM journey_events WHERE position >= \(Int64(clamping: position)) ORDER BY position LIMIT \(limit)
            """)
    }

    private func events(_ doing: String, _ query: PostgresQuery) async throws(StoreError) -> [StoredEvent] {
        do {
            return try await primary.withConnection { [logger] c in
                var out: [StoredEvent] = []
                for try await (position, record) in try await c.query(query, logger: logger).decode((Int64, ByteBuffer).self) {
                    out.append(StoredEvent(position: UInt64(position), bytes: Array(record.readableBytesView)))
                }
                return out
            }
        } catch {
            throw Self.storeError(error, doing)
        }
    }

    /// Walks the whole log in position order: positions gapless from 1, every record decodes,
    /// and each chain hash is the hash of its record over the previous one's, up to the head
    /// row's as read when the walk starts (commits made meanwhile are not looked at). Returns the
    /// events checked and the first problem found (`nil`: the log verifies).
    public func verify(chunk: Int = 10_000) async throws(StoreError) -> (checked: UInt64, problem: String?) {
        var previous = ChainHash.genesis
        var expected: UInt64 = 1
        do {
            // Up to the head as it is now: commits made during the walk are not looked at.
            let head = try await headPosition()
            while expected <= head {
                var n = 0
                let from = Int64(expected), through = Int64(head)
                let rows = try await primary.withConnection { [logger] c in
                    var out: [(Int64, ByteBuffer)] = []
                    for try await row in try await c.query("""
                        SELECT position, record FROM journey_events WHERE position >= \(from) AND position <= \(through) ORDER BY position LIMIT \(chunk)
                        """, logger: logger).decode((Int64, ByteBuffer).self) { out.append(row) }
                    return out
                }
                for (position, record) in rows {
                    n += 1
                    guard UInt64(position) == expected else { return (expected - 1, "position \(expected) is missing (next is \(position))") }
                    let problem: String? = record.withUnsafeReadableBytes { raw in
                        guard let r = RecordView(raw) else { return "the record at position \(position) does not decode" }
                        let body = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - RecordView.hashSize)])
                        let hash = previous.next(over: body)
                        guard hash == r.chainHash else { return "the chain hash at position \(position) does not match its record" }
                        previous = hash
                        return nil
                    }
                    if let problem { return (expected - 1, problem) }
                    expected += 1
                }
                if n < chunk { break }
            }
            guard head == expected - 1 else { return (expected - 1, "the head row says \(head), the last event is at \(expected - 1)") }
            return (head, nil)
        } catch let e as StoreError {
            throw e
        } catch {
            throw Self.storeError(error, "verifying the log")
        }
    }
}
