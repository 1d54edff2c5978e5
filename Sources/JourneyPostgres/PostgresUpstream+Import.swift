import Foundation
public import JourneyStore
import NIOCore
import PostgresNIO

extension PostgresUpstream {
    /// What ``importLog(from:chunk:progress:)`` did.
    public struct ImportReport: Sendable {
        /// Events now in the log on PostgreSQL.
        public var events: UInt64
        /// The chain hash at the head, hex: the source's, so the log is the same.
        public var headHash: String
    }

    /// Copies a lone LMDB store's log into this log, which must be empty (`journeyctl migrate
    /// --from DIR --log URL`): the same records (ids, positions, versions, times, sealed
    /// properties, so the same chain), the indexes and the data keys, `chunk` records a
    /// PostgreSQL transaction under the head lock; then verifies the log on PostgreSQL and that
    /// its chain head is the source's. The master key stays the source's: every node needs it.
    /// Blocks (run it on a thread of its own). Stop the store's writers first.
    public func importLog(from store: EventStore, chunk: Int = 10_000, progress: ((UInt64, UInt64) -> Void)? = nil) throws(StoreError) -> ImportReport {
        guard chunk >= 1 else { throw StoreError(.invalidArgument, "--batch-size: expected at least 1, got \(chunk)") }
        let before = try store.verify(sealed: false)
        guard before.isValid else {
            throw StoreError(.corrupt, "the store in \(store.configuration.directory) does not verify (\(before.problem ?? "?")); nothing was copied")
        }
        let source = before.checked
        let identity = try identity(proposing: UpstreamIdentity(logId: UUID().uuidString.lowercased(), keyCheck: store.keyCheck))
        guard identity.keyCheck.prefix(12) == store.keyCheck.prefix(12) else {
            throw StoreError(.masterKeyWrong, "the log on \(name) was created \(identity.keyCheck.isEmpty ? "unencrypted" : "with master key \(String(decoding: identity.keyCheck.prefix(12), as: UTF8.self))"), the store in \(store.configuration.directory) \(store.isEncrypted ? "with master key \(String(decoding: store.keyCheck.prefix(12), as: UTF8.self))" : "unencrypted"); migrate into an empty database")
        }
        var expected: UInt64 = 0
        try store.exportCommits(chunk: chunk) { commit throws(StoreError) in
            let write = try self.write()
            guard write.head == expected else {
                write.abandon()
                throw StoreError(.invalidArgument, expected == 0
                    ? "the log on \(name) already holds \(write.head) events; migrate into an empty database"
                    : "the log on \(name) was written to during the migration (head \(write.head), expected \(expected)); start again on an empty database")
            }
            try write.commit(commit)
            expected = commit.head
            progress?(commit.head, source)
        }
        let log = self.log
        let (checked, problem, chain) = try blockingCall("verifying the log") { () async throws -> (UInt64, String?, [UInt8]) in
            let v = try await log.verify()
            let chain = try await log.primary.withConnection { c in
                var out: [UInt8] = []
                for try await b in try await c.query("SELECT chain FROM journey_head WHERE id = 1", logger: log.logger).decode(ByteBuffer.self) {
                    out = Array(b.readableBytesView)
                }
                return out
            }
            return (v.checked, v.problem, chain)
        }
        var sourceChain = [UInt8](repeating: 0, count: 32)
        sourceChain.withUnsafeMutableBytes { before.headHash.write(to: $0.baseAddress!) }
        guard problem == nil, checked == source, chain == sourceChain else {
            throw StoreError(.corrupt, "the log on \(name) does not verify after the migration (\(problem ?? "\(checked) of \(source) events, chain head \(chain == sourceChain ? "equal" : "different")")); empty the database and run again")
        }
        return ImportReport(events: checked, headHash: chain.map { String(format: "%02x", $0) }.joined())
    }
}
