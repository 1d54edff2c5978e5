import Foundation
import JourneyPostgres
import JourneyStore
import JourneyTestSupport
import Testing

/// A node's replica commits without flushing each commit (the log on PostgreSQL holds every
/// acknowledged event): a file in the folder records the machine's boot while it does; a
/// replica written so before the machine restarted is built again from the log, never read.
@Suite struct ReplicaFlushTests {
    static let marker = "replica-unflushed"

    static func events(_ tag: String, _ count: Int) -> [NewEvent] {
        (0..<count).map { k in NewEvent(id: "\(tag)-\(k)", customerId: "c\(k % 40)", type: "page_view") }
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func boot() throws -> String {
        try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Why the folder `data` does not open as a plain store (with the tests' key, no log), or
    /// `nil` when it opens.
    static func refusalWithoutLog(_ data: String) -> StoreError? {
        do throws(StoreError) {
            var s = StoreConfiguration(directory: data)
            s.masterKey = try MasterKey(text: ProcessRunner.testMasterKey)
            try EventStore(s).close()
            return nil
        } catch {
            return error
        }
    }

    @Test func aReplicaWrittenUnflushedBeforeARestartIsBuiltAgainFromTheLog() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let config = PostgresLog.Configuration(port: server.port, username: server.user, database: server.database)
        let a = try await Node(server)
        let data = a.folder.appending("data")
        _ = try await a.append(Self.events("one", 500))
        #expect(try String(contentsOfFile: data + "/" + Self.marker, encoding: .utf8) == (try Self.boot()) + "\n", "this boot, while open")
        let folder = a.folder
        await a.close()
        #expect(!Self.exists(data + "/" + Self.marker), "flushed and removed by the last process to close it")

        // Reopened and written to, then left as a crash of the machine leaves it: the file names
        // another boot, and the replica's file is not to be trusted (here: garbage at its start,
        // which LMDB would refuse or misread).
        let b = try await Node(config, folder: folder)
        #expect(!b.store.discardedUnflushedReplica)
        _ = try await b.append(Self.events("two", 300))
        let version = try b.store.streamVersion("c7")
        await b.close()
        try "00000000-0000-0000-0000-000000000000\n".write(toFile: data + "/" + Self.marker, atomically: true, encoding: .utf8)
        let handle = try #require(FileHandle(forUpdatingAtPath: data + "/data.mdb"))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 64 << 10))
        try handle.close()

        // Without its log the folder is refused, with the way out in the message.
        let refused = Self.refusalWithoutLog(data)
        #expect(refused?.code == .invalidArgument && refused?.message.contains("--log") == true, "\(String(describing: refused))")
        #expect(Self.exists(data + "/data.mdb"), "refused, not touched")

        // An opening that fails after the replica was removed (here: another master key) leaves
        // the file as it was, so the folder stays refused, not an empty store of its own.
        do {
            _ = try await Node(config, folder: folder, encrypted: false)
            Issue.record("a node without the log's master key opened")
        } catch {
            #expect((error as? StoreError)?.code == .masterKeyMissing, "\(error)")
        }
        #expect(try String(contentsOfFile: data + "/" + Self.marker, encoding: .utf8) == "00000000-0000-0000-0000-000000000000\n")
        #expect(Self.refusalWithoutLog(data)?.code == .invalidArgument, "still refused without its log")

        // With it, the replica is built again from the log: every event, the same chain and keys.
        let c = try await Node(config, folder: folder)
        #expect(c.store.discardedUnflushedReplica)
        #expect(try c.store.headPosition() == 800)
        #expect(try c.store.verify(sealed: true).problem == nil)
        #expect(try c.store.streamVersion("c7") == version)
        #expect(try c.store.readLog(from: 1, backward: false, limit: 1).first?.id == "one-0")
        #expect(try String(contentsOfFile: data + "/" + Self.marker, encoding: .utf8) == (try Self.boot()) + "\n")
        #expect(try await c.append(Self.events("three", 10)).headPosition == 810)
        await c.close()
        #expect(!Self.exists(data + "/" + Self.marker))
    }

    /// A process that died with the machine still up left everything with the operating system:
    /// the replica is kept as it is.
    @Test func aReplicaLeftByAProcessOfThisBootIsKept() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let config = PostgresLog.Configuration(port: server.port, username: server.user, database: server.database)
        let a = try await Node(server)
        _ = try await a.append(Self.events("one", 200))
        let folder = a.folder, data = a.folder.appending("data")
        await a.close()
        try (try Self.boot() + "\n").write(toFile: data + "/" + Self.marker, atomically: true, encoding: .utf8)
        let b = try await Node(config, folder: folder)
        #expect(!b.store.discardedUnflushedReplica)
        #expect(try b.store.headPosition() == 200)
        await b.close()
    }

    /// Several processes on one folder: the file stays while any of them writes unflushed, and
    /// whichever closes last, whatever its mode, flushes and removes it.
    @Test(.timeLimit(.minutes(2))) func theLastProcessToCloseRemovesTheFile() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let url = "postgres://\(server.user)@127.0.0.1:\(server.port)/\(server.database)"
        let config = PostgresLog.Configuration(port: server.port, username: server.user, database: server.database)
        let a = try await Node(server)
        _ = try await a.append(Self.events("one", 50))
        let data = a.folder.appending("data"), file = a.folder.appending("data") + "/" + Self.marker
        // A reader and a writer of their own (other processes) come and go; this one still writes.
        let read = try ProcessRunner.journeyctl(["stats", "--json", "--data", data])
        #expect(read.status == 0 && read.stdout.contains(#""events":50"#), "\(read.stdout)\(read.stderr)")
        let write = try ProcessRunner.journeyctl(["append", "--customer", "p1", "--type", "login", "--log", url, "--data", data])
        #expect(write.status == 0, "\(write.stdout)\(write.stderr)")
        #expect(Self.exists(file), "kept while this process writes unflushed")
        let folder = a.folder
        await a.close()
        #expect(!Self.exists(file), "removed by the last to close")
        // A node that flushes, and another process that does not: the file goes with the latter.
        let b = try await Node(config, folder: folder) { $0.syncReplica = true }
        #expect(!Self.exists(file))
        let other = try ProcessRunner.journeyctl(["append", "--customer", "p2", "--type", "login", "--log", url, "--data", data])
        #expect(other.status == 0, "\(other.stdout)\(other.stderr)")
        #expect(!Self.exists(file), "no process writes unflushed any more: removed when that one closed")
        #expect(try await b.headPosition() == 52)
        await b.close()
        #expect(!Self.exists(file))
    }

    /// `syncReplica` flushes every commit, as a lone store does: no file is written.
    /// A folder left by another boot and rebuilt by such a node keeps no file either.
    @Test func aFlushedReplicaWritesNoFile() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let config = PostgresLog.Configuration(port: server.port, username: server.user, database: server.database)
        let a = try await Node(server) { $0.syncReplica = true }
        let file = a.folder.appending("data") + "/" + Self.marker
        _ = try await a.append(Self.events("one", 100))
        #expect(!Self.exists(file))
        #expect(try await a.readLog().count == 100)
        let folder = a.folder
        await a.close()
        try "another-boot\n".write(toFile: file, atomically: true, encoding: .utf8)
        let b = try await Node(config, folder: folder) { $0.syncReplica = true }
        #expect(b.store.discardedUnflushedReplica && !Self.exists(file), "rebuilt, and the other boot's file gone")
        #expect(try b.store.headPosition() == 100)
        await b.close()
    }
}
