import Foundation
import LMDBKit

extension EventStore {
    /// Counts, sizes and map usage.
    public func statistics() throws(StoreError) -> StoreStatistics {
        let (head, customers, sizes, erased) = try read { txn in
            let head: UInt64 = try txn.withCursor(layout.events) { c in
                guard let last = try c.last() else { return 0 }
                return Transaction.uint64(last.key)
            }
            var sizes: [String: Int] = [:]
            for db in [layout.events, layout.streams, layout.eventIds, layout.customers, layout.meta] {
                sizes[db.name] = try txn.statistics(db).bytes
            }
            if layout.legacyFormat == nil {
                for db in [layout.customerKeys, layout.erasures] { sizes[db.name] = try txn.statistics(db).bytes }
            }
            return (head, try txn.statistics(layout.customers).entries, sizes, try erasureCount(in: txn))
        }
        let info = env.info()
        return StoreStatistics(
            events: head, customers: customers, headPosition: head, fileBytes: Self.fileBytes(configuration.directory),
            viewsFileBytes: Self.fileBytes(Self.viewsDirectory(configuration.directory)),
            mapUsedBytes: info.usedBytes, mapSizeBytes: info.mapSize, databaseBytes: sizes,
            format: format, encrypted: isEncrypted, erasures: erased)
    }
}
