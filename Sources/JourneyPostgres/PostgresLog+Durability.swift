public import JourneyStore
import PostgresNIO

extension PostgresLog {
    /// Why an acknowledged append could be on the primary alone, or `nil` when the primary's
    /// settings make every commit wait for a synchronous standby: `synchronous_standby_names`
    /// empty (no standby is synchronous), or `synchronous_commit` at `off` or `local`. Read once
    /// when a node opens, to be logged: Patroni changes these settings as standbys come and go
    /// (`synchronous_mode`), which a node cannot see from its connections.
    public func durabilityWarning() async throws(StoreError) -> String? {
        let (names, commit) = try await firstRow(
            "SELECT current_setting('synchronous_standby_names'), current_setting('synchronous_commit')",
            doing: "reading the primary's replication settings"
        ) { row -> (String, String) in try row.decode((String, String).self) } ?? ("", "on")
        if names.trimmingCharacters(in: .whitespaces).isEmpty {
            return "the PostgreSQL primary has no synchronous standby (synchronous_standby_names is empty): an acknowledged append is on the primary alone until a standby replays it, and a failover can lose it; with Patroni set synchronous_mode and synchronous_mode_strict"
        }
        if commit == "off" || commit == "local" {
            return "the PostgreSQL primary's synchronous_commit is \(commit): an acknowledged append is not waited for on a synchronous standby, and a failover can lose it; set it to on (or remote_apply)"
        }
        return nil
    }

    /// What to tune for speed on the primary, or `nil`: keeping under 1 GB of used WAL segments
    /// to recycle (`min_wal_size`, capped by `max_wal_size`) means a large load after a quiet
    /// spell creates, zero-fills and fsyncs each new 16 MB segment in the inserting backend as it
    /// goes (up to 13 % slower on the machine the README measured; `deploy/cluster/` sets 2 GB and
    /// 4 GB). Read once when a node opens, to be logged as a notice: correctness does not depend
    /// on it.
    public func tuningNotice() async throws(StoreError) -> String? {
        guard let (minimum, maximum) = try await firstRow(
            "SELECT pg_size_bytes(current_setting('min_wal_size')), pg_size_bytes(current_setting('max_wal_size'))",
            doing: "reading the primary's WAL settings"
        ) { row -> (Int64, Int64) in try row.decode((Int64, Int64).self) }, min(minimum, maximum) < 1 << 30 else { return nil }
        return "the PostgreSQL primary keeps at most \(min(minimum, maximum) >> 20) MB of used WAL segments to recycle (min_wal_size \(minimum >> 20) MB, max_wal_size \(maximum >> 20) MB): a large load after a quiet spell creates, zero-fills and fsyncs its WAL segments as it goes, which slows appends; min_wal_size 2GB and max_wal_size 4GB (as deploy/cluster sets them) avoid that"
    }

    /// The first row of `query` on the primary as `decode` reads it, or `nil` when there is none.
    private func firstRow<Row: Sendable>(_ query: PostgresQuery, doing: String,
                                         _ decode: @escaping @Sendable (PostgresRow) throws -> Row) async throws(StoreError) -> Row? {
        do {
            return try await primary.withConnection { [logger] c in
                for try await row in try await c.query(query, logger: logger) { return try decode(row) }
                return nil
            }
        } catch {
            throw Self.storeError(error, doing)
        }
    }
}

import Foundation
