import Foundation
import LMDBKit

/// A node's copy of a shared log (``StoreConfiguration/upstream``).
extension EventStore {
    /// `meta` key of a replica: `log id ‖ 0x0A ‖ the upstream's name`.
    static let upstreamKey: [UInt8] = Array("upstream-log".utf8)

    /// Takes in what other nodes committed to the upstream log since this replica's head (up
    /// to 20,000 records a call; ``isCaughtUp`` says whether more are waiting) and wakes this
    /// process's listeners. Answered at once on a store without an upstream.
    public func catchUp() -> AppendTicket {
        let ticket = AppendTicket()
        writer.submit(WriterRequest(work: .sync, ticket: ticket))
        return ticket
    }

    /// Takes in everything the upstream log holds now: what a new node runs before it serves,
    /// and a reader that must see every node's appends.
    public func catchUpFully() async throws(StoreError) {
        guard configuration.upstream != nil else { return }
        var before = try headPosition()
        while true {
            let head = try await catchUp().result().headPosition
            if head == before { return }
            before = head
        }
    }

    /// The upstream this folder is a replica of, as recorded in it (`nil`: not a replica).
    var replicaOf: String? {
        replicaRecord.withLock { r in
            if let known = r { return known }
            let found = Self.replicaOf(env, layout)
            r = .some(found)
            return found
        }
    }

    /// The upstream a replica folder was made for, as recorded in it (`nil`: not a replica).
    static func replicaOf(_ env: Environment, _ layout: StoreLayout) -> String? {
        guard let v = try? env.read({ txn in try txn.get(layout.meta, key: upstreamKey).map { Array($0) } }) else { return nil }
        return v.split(separator: 0x0A, maxSplits: 1).dropFirst().first.map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    /// Checks, when the store opens, that the folder and the upstream belong together: an
    /// empty folder becomes the upstream's replica; a replica only of the same log (its id); an
    /// upstream only with the master key its first node had. A folder holding a store of its own
    /// is refused (`journeyctl migrate --log` copies a store into PostgreSQL).
    static func bind(_ env: Environment, layout: StoreLayout, to upstream: any LogUpstream, directory: String) throws(StoreError) {
        do {
            let (recorded, head, keyCheck) = try env.read { txn -> ([UInt8]?, UInt64, [UInt8]) in
                let r = try txn.get(layout.meta, key: upstreamKey).map { Array($0) }
                let h = try txn.withCursor(layout.events) { c in try c.last().map { Transaction.uint64($0.key) } ?? 0 }
                let k = try txn.get(layout.meta, key: StoreLayout.MetaKey.keyCheck).map { Array($0) } ?? []
                return (r, h, k)
            }
            let identity = try upstream.identity(proposing: UpstreamIdentity(logId: UUID().uuidString.lowercased(), keyCheck: keyCheck))
            let mine = String(decoding: keyCheck.prefix(12), as: UTF8.self), theirs = String(decoding: identity.keyCheck.prefix(12), as: UTF8.self)
            guard identity.keyCheck.prefix(12) == keyCheck.prefix(12) else {
                if identity.keyCheck.isEmpty {
                    throw StoreError(.masterKeyWrong, "the log on \(upstream.name) is not encrypted, and this node was given a master key (fingerprint \(mine)); start it with --unencrypted, or use an encrypted log")
                }
                if keyCheck.isEmpty {
                    throw StoreError(.masterKeyMissing, "the log on \(upstream.name) is encrypted (master key fingerprint \(theirs)); give this node that key (JOURNEY_MASTER_KEY_FILE)")
                }
                throw StoreError(.masterKeyWrong, "the master key given (fingerprint \(mine)) is not the one of the log on \(upstream.name) (fingerprint \(theirs)); every node needs the key the log was created with")
            }
            if let recorded {
                let id = recorded.split(separator: 0x0A, maxSplits: 1).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
                guard id == identity.logId else {
                    throw StoreError(.invalidArgument, "the data folder \(directory) is the copy of another log (id \(id)) than the one on \(upstream.name) (id \(identity.logId)); give this node a folder of its own (a new one is built from the log)")
                }
                return
            }
            guard head == 0 else {
                throw StoreError(.invalidArgument, "the data folder \(directory) holds a store of its own (\(head) events); a node on the log at \(upstream.name) needs a new folder, which it builds from the log by itself. To move this store into PostgreSQL, use journeyctl migrate --from \(directory) --log URL")
            }
            try env.write { txn in
                try txn.put(layout.meta, key: upstreamKey, value: Array(identity.logId.utf8) + [0x0A] + Array(upstream.name.utf8))
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// The refusal of a write to a replica opened without its upstream (another process on a
    /// node's folder, say the CLI beside the server).
    func replicaWithoutUpstream(_ name: String) -> StoreError {
        StoreError(.invalidArgument, "the data folder \(configuration.directory) is a node's copy of the log on \(name): write through a node's server (journeyctl … --server URL) or through the log (journeyctl … --log \(name), with its password if it has one); reads of the copy are fine")
    }
}
