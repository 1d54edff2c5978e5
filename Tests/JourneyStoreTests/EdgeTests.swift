import Foundation
@testable import JourneyStore
import JourneyTestSupport
import Testing
import JourneyJSON

/// The store's edges a hostile tester found: key files behind symlinks, duplicate JSON keys,
/// leap seconds, folder modes and a full disk.
@Suite struct StoreEdgeTests {
    /// The layout of a Kubernetes Secret volume: `master.key -> ..data/master.key`,
    /// `..data -> ..2026_12_01_00_00_00.123`, the file itself mode 0400.
    @Test func aKeyBehindKubernetesSymlinksIsCheckedAtItsTarget() throws {
        let dir = TemporaryDirectory("k8s-secret")
        let fm = FileManager.default
        let k = MasterKey.generate()
        let stamp = dir.appending("..2026_12_01_00_00_00.123")
        try fm.createDirectory(atPath: stamp, withIntermediateDirectories: true)
        #expect(fm.createFile(atPath: stamp + "/master.key", contents: Data((k.hex + "\n").utf8), attributes: [.posixPermissions: 0o400]))
        try fm.createSymbolicLink(atPath: dir.appending("..data"), withDestinationPath: "..2026_12_01_00_00_00.123")
        try fm.createSymbolicLink(atPath: dir.appending("master.key"), withDestinationPath: "..data/master.key")
        #expect(try MasterKey(file: dir.appending("master.key")) == k)

        chmod(stamp + "/master.key", 0o444)
        let readable = #expect(throws: StoreError.self) { try MasterKey(file: dir.appending("master.key")) }
        #expect(readable?.message.contains("read by any user") == true && readable?.message.contains("..2026_12_01_00_00_00.123/master.key") == true)
        chmod(stamp + "/master.key", 0o602)
        let writable = #expect(throws: StoreError.self) { try MasterKey(file: dir.appending("master.key")) }
        #expect(writable?.message.contains("changed by any user") == true && writable?.message.contains("602") == true)
        chmod(stamp + "/master.key", 0o640)
        #expect(try MasterKey(file: dir.appending("master.key")) == k, "group read is allowed (fsGroup)")
    }

    @Test func duplicateKeysAreRefusedWithTheKeyNamed() throws {
        let parser = EventParser()
        let cases: [(String, String)] = [
            (#"{"customerId":"c","type":"t","properties":{"k":1,"k":2}}"#, "\"k\""),
            (#"{"customerId":"c","type":"t","properties":{"a":{"x":1,"y":2,"x":3}}}"#, "\"x\""),
            (#"{"customerId":"c","type":"t","properties":{"k":1,"\u006b":2}}"#, "\"k\""),
            (#"{"customerId":"c","type":"t","properties":{"list":[{"z":1,"z":1}]}}"#, "\"z\""),
        ]
        for (text, key) in cases {
            let e = #expect(throws: StoreError.self) { try parser.parse(text) }
            #expect(e?.field == "properties" && e?.message.contains("duplicate key \(key)") == true, "\(text): \(e?.message ?? "")")
        }
        let top = #expect(throws: StoreError.self) { try parser.parse(#"{"customerId":"c","type":"t","type":"u"}"#) }
        #expect(top?.field == "type" && top?.message.contains("more than once") == true)
        // Many keys (past the small-object path), with one repeat at the end.
        let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(throws: StoreError.self) { try parser.parse(#"{"customerId":"c","type":"t","properties":{\#(many),"k7":0}}"#) }
        #expect(try parser.parse(#"{"customerId":"c","type":"t","properties":{\#(many)}}"#).properties?.bytes.count ?? 0 > 0)
        #expect(throws: JSONObjectText.Invalid.self) { try JSONObjectText(validating: #"{"a":1,"a":1}"#) }
        // Line numbers in NDJSON.
        let lines = "{\"customerId\":\"c\",\"type\":\"t\"}\n{\"customerId\":\"c\",\"type\":\"t\",\"properties\":{\"q\":1,\"q\":1}}\n"
        let nd = #expect(throws: StoreError.self) { try Array(lines.utf8).withUnsafeBytes { try parser.parseNDJSON($0) } }
        #expect(nd?.line == 2)
    }

    @Test func aLeapSecondIsRefusedNotMoved() throws {
        let e = #expect(throws: StoreError.self) { try EventParser().parse(#"{"customerId":"c","type":"t","occurredAt":"2016-12-31T23:59:60Z"}"#) }
        #expect(e?.field == "occurredAt" && e?.message.contains("leap second") == true, "\(e?.message ?? "")")
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:59.999Z") != nil)
    }

    @Test func newDataFoldersAreOwnerOnly() async throws {
        let dir = TemporaryDirectory("modes")
        let saved = umask(0o022)
        defer { umask(saved) }
        var c = StoreConfiguration(directory: dir.appending("nested/data"))
        c.masterKey = .generate()
        let store = try EventStore(c)
        defer { store.close() }
        _ = try await store.append(NewEvent(customerId: "c", type: "t"))
        func mode(_ p: String) -> Int {
            var s = stat()
            return stat(p, &s) == 0 ? Int(s.st_mode) & 0o777 : -1
        }
        #expect(mode(dir.appending("nested/data")) == 0o700)
        _ = try store.backup(to: dir.appending("backup"))
        #expect(mode(dir.appending("backup")) == 0o700)
    }

    /// A file system that fills up: the append fails with a message that says so, nothing
    /// acknowledged is lost, and the store works again once there is room. Needs root (a tmpfs
    /// mount); elsewhere the test records why it did not run.
    @Test func aFullDiskSaysSoAndLosesNothing() async throws {
        let dir = TemporaryDirectory("full-disk")
        let mount = dir.appending("mnt")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let mounted = try ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount])
        guard mounted.status == 0 else {
            Issue.record("cannot mount a tmpfs here (\(mounted.stderr.trimmingCharacters(in: .whitespacesAndNewlines))); the full-disk test needs root")
            return
        }
        defer { _ = try? ProcessRunner.run("/bin/umount", [mount]) }
        var c = StoreConfiguration(directory: mount + "/data")
        c.masterKey = .generate()
        let store = try EventStore(c)
        defer { store.close() }
        var acknowledged: [String] = []
        var failure: StoreError?
        let filler = String(repeating: "x", count: 2000)
        for batch in 0..<200 {
            let events = (0..<50).map { i in
                NewEvent(id: "e\(batch)-\(i)", customerId: "c\(i)", type: "t", properties: try? JSONObjectText(validating: #"{"f":"\#(filler)\#(batch)"}"#))
            }
            do {
                _ = try await store.append(events)
                acknowledged += events.map { $0.id! }
            } catch {
                failure = error
                break
            }
        }
        let e = try #require(failure)
        #expect(e.code == .storage && e.message.contains("is full") && e.message.contains(mount), "\(e.message)")
        #expect(!acknowledged.isEmpty)
        for id in [acknowledged.first!, acknowledged.last!] { #expect(try store.event(id: id) != nil) }
        #expect(try store.headPosition() == UInt64(acknowledged.count))
        #expect(try store.verify().isValid)
    }
}
