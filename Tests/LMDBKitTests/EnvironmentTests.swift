import Foundation
import JourneyTestSupport
import LMDBKit
import Testing

@Suite struct EnvironmentTests {
    @Test func putGetCursorAndDelete() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        defer { env.close() }
        let db = try env.write { try $0.openDatabase("kv", flags: .create) }
        try env.write { txn in
            for i in 0..<100 {
                try txn.put(db, key: Array("k\(String(format: "%03d", i))".utf8), value: Array("v\(i)".utf8))
            }
        }
        let (value, keys) = try env.read { txn -> (String?, [String]) in
            let v = try txn.get(db, key: Array("k042".utf8)).map { String(decoding: $0, as: UTF8.self) }
            var keys: [String] = []
            try txn.withCursor(db) { c in
                var e = try c.seek(atLeast: Array("k095".utf8))
                while let entry = e {
                    keys.append(String(decoding: entry.key, as: UTF8.self))
                    e = try c.next()
                }
            }
            return (v, keys)
        }
        #expect(value == "v42")
        #expect(keys == ["k095", "k096", "k097", "k098", "k099"])
        let deleted = try env.write { try $0.delete(db, key: Array("k042".utf8)) }
        #expect(deleted)
        let missing = try env.read { try $0.get(db, key: Array("k042".utf8)) == nil }
        #expect(missing)
    }

    @Test func abortedWriteLeavesNothing() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        defer { env.close() }
        let db = try env.write { try $0.openDatabase("kv", flags: .create) }
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try env.write { txn in
                try txn.put(db, key: Array("a".utf8), value: Array("1".utf8))
                throw Boom()
            }
        }
        let found = try env.read { try $0.get(db, key: Array("a".utf8)) != nil }
        #expect(!found)
    }

    @Test func mapGrowsFromATinyInitialSize() throws {
        let dir = TemporaryDirectory()
        var options = EnvironmentOptions()
        options.initialMapSize = 64 * 1024
        let env = try Environment(path: dir.path, options: options)
        defer { env.close() }
        let db = try env.write { try $0.openDatabase("kv", flags: .create) }
        let value = [UInt8](repeating: 7, count: 1000)
        for batch in 0..<20 {
            try env.write { txn in
                for i in 0..<200 {
                    var k = UInt64(batch * 200 + i).bigEndian
                    try withUnsafeBytes(of: &k) { kb in try value.withUnsafeBytes { try txn.put(db, key: kb, value: $0) } }
                }
            }
        }
        #expect(env.mapSize > 4 * 1024 * 1024)
        let count = try env.read { try $0.statistics(db).entries }
        #expect(count == 4000)
    }

    @Test func mapAtItsMaximumFailsWithMapFull() throws {
        let dir = TemporaryDirectory()
        var options = EnvironmentOptions()
        options.initialMapSize = 64 * 1024
        options.maximumMapSize = 256 * 1024
        let env = try Environment(path: dir.path, options: options)
        defer { env.close() }
        let db = try env.write { try $0.openDatabase("kv", flags: .create) }
        let value = [UInt8](repeating: 1, count: 4000)
        var failure: LMDBError?
        do {
            for i in 0..<1000 {
                try env.write { txn in
                    var k = UInt64(i).bigEndian
                    try withUnsafeBytes(of: &k) { kb in try value.withUnsafeBytes { try txn.put(db, key: kb, value: $0) } }
                }
            }
        } catch let e as LMDBError {
            failure = e
        }
        #expect(failure?.isMapFull == true)
        // What committed before stays readable.
        let count = try env.read { try $0.statistics(db).entries }
        #expect(count > 10)
    }

    @Test func errorsCarryLMDBCodeAndMessage() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        defer { env.close() }
        let db = try env.write { try $0.openDatabase("kv", flags: .create) }
        try env.write { try $0.put(db, key: Array("a".utf8), value: Array("1".utf8)) }
        do {
            try env.write { try $0.put(db, key: Array("a".utf8), value: Array("2".utf8), flags: .noOverwrite) }
            Issue.record("expected MDB_KEYEXIST")
        } catch let e as LMDBError {
            #expect(e.isKeyExists)
            #expect(e.description.contains("mdb_put"))
            #expect(e.message.lowercased().contains("exist"))
        }
    }

    @Test func concurrentReadersSeeConsistentSnapshots() async throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        defer { env.close() }
        let db = try env.write { try $0.openDatabase("kv", flags: .create) }
        // Two keys always written together; readers must never see them differ.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<300 {
                    let v = withUnsafeBytes(of: UInt64(i)) { Array($0) }
                    try env.write { txn in
                        try txn.put(db, key: Array("a".utf8), value: v)
                        try txn.put(db, key: Array("b".utf8), value: v)
                    }
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<2000 {
                        let same = try env.read { txn -> Bool in
                            let a = try txn.get(db, key: Array("a".utf8)).map { Array($0) }
                            let b = try txn.get(db, key: Array("b".utf8)).map { Array($0) }
                            return a == b
                        }
                        #expect(same)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
