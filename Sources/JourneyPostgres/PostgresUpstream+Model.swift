public import JourneyStore
import NIOCore
import PostgresNIO

extension PostgresUpstream {
    /// The row of `journey_meta` that holds the journey model every node of this log runs.
    static let modelRow = "model"

    /// The journey model document shared with every node of this log (``shareModel(_:version:)``),
    /// or `nil` while none has been shared (then each node runs the model in its own folder,
    /// the default one at first).
    public func sharedModel() async throws(StoreError) -> String? {
        let log = self.log
        do {
            return try await log.primary.withConnection { db in
                var document: String?
                for try await value in try await db.query("SELECT value FROM journey_meta WHERE name = \(Self.modelRow)", logger: log.logger).decode(ByteBuffer.self) {
                    document = String(buffer: value)
                }
                return document
            }
        } catch {
            throw PostgresLog.storeError(error, "reading the shared journey model")
        }
    }

    /// Shares `document` (whose version is `version`) as the model every node runs (each node
    /// then rebuilds its views under it). Every version shared is kept (`model:<version>`), so a
    /// version is never shared twice with different content: answers `false`, writing nothing,
    /// when `version` was shared before with another document.
    public func shareModel(_ document: String, version: String) async throws(StoreError) -> Bool {
        let log = self.log
        let versionRow = "model:" + version
        do {
            return try await log.primary.transaction { db in
                // One sharer at a time: the check and the writes see the same rows.
                try await db.run("SELECT pg_advisory_xact_lock(\(Int64(0x6a6d6f64656c)))", logger: log.logger)
                var shared: String?
                for try await value in try await db.query("SELECT value FROM journey_meta WHERE name = \(versionRow)", logger: log.logger).decode(ByteBuffer.self) {
                    shared = String(buffer: value)
                }
                if let shared, shared != document { return false }
                let bytes = ByteBuffer(bytes: Array(document.utf8))
                try await db.run("""
                    INSERT INTO journey_meta VALUES (\(Self.modelRow), \(bytes)), (\(versionRow), \(bytes))
                    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value
                    """, logger: log.logger)
                return true
            }
        } catch {
            throw PostgresLog.storeError(error, "sharing the journey model")
        }
    }
}
