import JourneyTestSupport
import LMDBKit
import Testing

@Suite struct WriteRecorderTests {
    /// `op ‖ database ‖ key length (UInt32 BE) ‖ key ‖ value length ‖ value`.
    private func change(_ op: WriteRecorder.Op, _ db: UInt8, _ key: String, _ value: String = "") -> [UInt8] {
        func u32(_ n: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) } }
        return [op.rawValue, db] + u32(key.utf8.count) + Array(key.utf8) + u32(value.utf8.count) + Array(value.utf8)
    }

    /// Puts, deletes and duplicate deletes through the transaction and through cursors are kept
    /// in order, encoded, while the recorder is on and only for the databases it keeps; a write
    /// that runs again because the map grew starts with nothing kept.
    @Test func keepsTheChangesOfKeptDatabasesInOrder() throws {
        let dir = TemporaryDirectory()
        var options = EnvironmentOptions()
        options.initialMapSize = 64 * 1024
        let env = try Environment(path: dir.path, options: options)
        defer { env.close() }
        let (a, dups, skipped) = try env.write { txn in
            (try txn.openDatabase("a", flags: .create), try txn.openDatabase("dups", flags: [.create, .dupSort]),
             try txn.openDatabase("skipped", flags: .create))
        }
        let recorder = WriteRecorder(keeping: ["dups", "a"], ignoring: ["skipped"])
        var runs = 0
        let kept = try env.write(recording: recorder) { txn -> [UInt8] in
            runs += 1
            recorder.isOn = false
            try txn.put(a, key: Array("off".utf8), value: Array("not kept".utf8))
            recorder.isOn = true
            try txn.put(a, key: Array("k1".utf8), value: Array("v1".utf8))
            try txn.put(skipped, key: Array("k".utf8), value: Array("ignored".utf8))
            try txn.put(dups, key: Array("d".utf8), value: Array("x".utf8))
            try txn.put(dups, key: Array("d".utf8), value: Array("y".utf8))
            try txn.delete(dups, key: Array("d".utf8), value: Array("x".utf8))
            try txn.delete(a, key: Array("off".utf8))
            try txn.withCursor(a) { c in
                try Array("k2".utf8).withUnsafeBytes { k in try Array("v2".utf8).withUnsafeBytes { try c.put(key: k, value: $0) } }
                _ = try c.seek(atLeast: Array("k1".utf8))
                try c.deleteCurrent()
            }
            try txn.withCursor(skipped) { c in
                try Array("s".utf8).withUnsafeBytes { k in try k.withUnsafeBytes { try c.put(key: k, value: $0) } }
            }
            if runs == 1 {
                // Fill the map: the write runs again with a larger one.
                for i in 0..<10_000 { try txn.put(skipped, key: Array("fill\(i)".utf8), value: [UInt8](repeating: 0, count: 100)) }
            }
            recorder.isOn = false
            try txn.put(a, key: Array("after".utf8), value: Array("not kept".utf8))
            return recorder.take()
        }
        #expect(runs == 2, "the map grew once")
        let expected = change(.put, 1, "k1", "v1") + change(.put, 0, "d", "x") + change(.put, 0, "d", "y")
            + change(.deleteValue, 0, "d", "x") + change(.delete, 1, "off") + change(.put, 1, "k2", "v2")
            + change(.deleteValue, 1, "k1", "v1")
        #expect(kept == expected)
        #expect(recorder.take().isEmpty, "take forgets what it answered")
    }
}
