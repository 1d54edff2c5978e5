import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs a statement whose rows (if any) do not matter, and waits for all of it.
    ///
    /// `query` returns as soon as the first row or the end arrives; an error raised after the
    /// first row (a data-modifying `WITH` part fails at the end of the statement, after the
    /// `SELECT` row) reaches only a caller that reads the rows to the end. Unread, it leaves the
    /// transaction aborted, and the `COMMIT` after it rolls back without an error: a write
    /// that looked committed and was not. So every statement that writes is run through this.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}
