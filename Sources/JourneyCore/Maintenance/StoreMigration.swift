import Foundation
public import JourneyStore
import LMDBKit

/// Rewrites a store of an earlier format (format 1, from before per-customer encryption) or an
/// unencrypted one into a new, encrypted store: the same ids, positions, versions, times and
/// properties, sealed under per-customer keys. The source is only read.
public enum StoreMigration {
    /// What a migration did.
    public struct Report: Sendable, Equatable {
        public var events: UInt64
        public var sourceFormat: Int
        public var targetFormat: Int
        public var encrypted: Bool
        /// The new chain's head hash.
        public var headHash: String
    }

    /// Copies every event of the store in `source` into `target` (which must hold no event),
    /// `batchSize` at a time, then verifies the new log, compares every event with the source,
    /// carries the active journey model over and builds the views. `progress` gets the events
    /// copied and the total. A failure leaves an incomplete target: delete it and run again.
    public static func run(
        from source: StoreConfiguration, into target: EventStore, batchSize: Int = 10_000,
        progress: ((UInt64, UInt64) -> Void)? = nil
    ) async throws(StoreError) -> Report {
        guard batchSize >= 1 else { throw StoreError(.invalidArgument, "--batch-size: expected at least 1, got \(batchSize)") }
        let from = source.directory
        guard URL(fileURLWithPath: from).standardizedFileURL.path != URL(fileURLWithPath: target.configuration.directory).standardizedFileURL.path else {
            throw StoreError(.invalidArgument, "--from and --data are the same folder; migrate into a new one")
        }
        var config = source
        config.createIfMissing = false
        config.allowLegacyFormat = true
        let old: EventStore
        do {
            old = try EventStore(config)
        } catch where error.code == .masterKeyMissing {
            throw StoreError(.notEncrypted, "\(from) is already encrypted; it needs no migration (back it up and restore it instead)")
        }
        defer { old.close() }
        guard try target.headPosition() == 0 else {
            throw StoreError(.invalidArgument, "\(target.configuration.directory) already holds events; migrate into an empty folder")
        }
        let head = try old.headPosition()
        try await copy(old, into: target, head: head, batchSize: batchSize, progress: progress)
        let report = try target.verify()
        guard report.isValid, report.checked == head else {
            throw StoreError(.corrupt, "the new store does not verify (\(report.problem ?? "head \(report.checked) of \(head)")); delete it and run again")
        }
        try compare(old, target, head: head)
        // The journey model, then the views.
        let model = try activeModel(of: old)
        let engine = try JourneyEngine(store: target)
        if model.version != (try engine.queries.activeModel()).version {
            _ = try engine.rebuilder.activate(model)
        }
        _ = try engine.live.catchUp()
        return Report(events: head, sourceFormat: old.format, targetFormat: target.format, encrypted: target.isEncrypted, headHash: report.headHash.hex)
    }

    /// The source's active model, read without writing to the source: from its views' file, or
    /// from its log's file when its views are still kept there (a store made by an earlier
    /// version); the default model when it has none.
    static func activeModel(of store: EventStore) throws(StoreError) -> JourneyModel {
        let viewsFile = EventStore.viewsDirectory(store.configuration.directory) + "/data.mdb"
        // Where the model is, not where a file is: a views' file may exist empty (made by a
        // backup of a store whose views are still in its log's file).
        func document(in env: Environment) throws -> String? {
            try env.read { txn -> String? in
                guard let meta = try? txn.openDatabase("journey-meta"),
                      let version = try txn.get(meta, key: Array(ViewStore.MetaKey.activeModel.utf8)),
                      let doc = try txn.get(meta, key: Array(ViewStore.MetaKey.modelDocument(String(decoding: version, as: UTF8.self)).utf8))
                else { return nil }
                return String(decoding: doc, as: UTF8.self)
            }
        }
        do {
            var doc = FileManager.default.fileExists(atPath: viewsFile) ? try document(in: try store.viewsEnvironment()) : nil
            if doc == nil { doc = try document(in: store.environment) }
            guard let doc else { return JourneyModel.defaultModel }
            return try JourneyModel.parse(doc)
        } catch {
            throw StoreError(.corrupt, "the active journey model of \(store.configuration.directory) does not read: \(error)")
        }
    }

    private static func copy(_ old: EventStore, into target: EventStore, head: UInt64, batchSize: Int,
                             progress: ((UInt64, UInt64) -> Void)?) async throws(StoreError) {
        var batch: [NewEvent] = []
        batch.reserveCapacity(batchSize)
        var tickets: [AppendTicket] = []
        var copied: UInt64 = 0
        do {
            try old.scan(from: 1, chunk: 10_000, readable: true) { _, r in
                var e = NewEvent(
                    id: r.id, customerId: r.customerId, type: r.type, occurredAt: r.occurredAtWasSent ? r.occurredAt : nil,
                    touchpoint: r.touchpoint, channel: r.channel, sentiment: r.sentiment, properties: r.properties)
                e.recordedAt = r.recordedAt
                batch.append(e)
                if batch.count == batchSize {
                    tickets.append(target.submit(.append(batch)))
                    batch.removeAll(keepingCapacity: true)
                }
                return true
            }
            if !batch.isEmpty { tickets.append(target.submit(.append(batch))) }
            for t in tickets {
                copied += UInt64(try await t.result().written)
                progress?(copied, head)
            }
        } catch {
            throw StoreError(.storage, "the migration stopped: \(StoreError.wrap(error).description); the new store in \(target.configuration.directory) is incomplete: delete it and run again")
        }
    }

    /// Every event of the new store reads back as in the old one.
    private static func compare(_ old: EventStore, _ new: EventStore, head: UInt64) throws(StoreError) {
        var position: UInt64 = 1
        while position <= head {
            let a = try old.readLog(from: position, limit: 10_000), b = try new.readLog(from: position, limit: 10_000)
            guard a.count == b.count, zip(a, b).allSatisfy({ $0.json == $1.json }) else {
                throw StoreError(.corrupt, "the new store differs from \(old.configuration.directory) near position \(position); delete it and run again")
            }
            position += UInt64(max(a.count, 1))
        }
    }
}
