public import JourneyStore
import PostgresNIO

extension PostgresLog {
    /// Why an acknowledged append could be on the primary alone, or `nil` when the primary's
    /// settings make every commit wait for a synchronous standby: `synchronous_standby_names`
    /// empty (no standby is synchronous), or `synchronous_commit` at `off` or `local`. Read once
    /// when a node opens, to be logged: Patroni changes these settings as standbys come and go
    /// (`synchronous_mode`), which a node cannot see from its connections.
    public func durabilityWarning() async throws(StoreError) -> String? {
        let settings: (String, String)
        do {
            settings = try await primary.withConnection { [logger] c in
                for try await row in try await c.query(
                    "SELECT current_setting('synchronous_standby_names'), current_setting('synchronous_commit')", logger: logger
                ).decode((String, String).self) {
                    return row
                }
                return ("", "on")
            }
        } catch {
            throw Self.storeError(error, "reading the primary's replication settings")
        }
        let (names, commit) = settings
        if names.trimmingCharacters(in: .whitespaces).isEmpty {
            return "the PostgreSQL primary has no synchronous standby (synchronous_standby_names is empty): an acknowledged append is on the primary alone until a standby replays it, and a failover can lose it; with Patroni set synchronous_mode and synchronous_mode_strict"
        }
        if commit == "off" || commit == "local" {
            return "the PostgreSQL primary's synchronous_commit is \(commit): an acknowledged append is not waited for on a synchronous standby, and a failover can lose it; set it to on (or remote_apply)"
        }
        return nil
    }
}

import Foundation
