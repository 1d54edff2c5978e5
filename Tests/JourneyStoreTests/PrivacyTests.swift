import Foundation
@testable import JourneyStore
import JourneyTestSupport
import Testing
import JourneyJSON

/// Per-customer encryption and erasure (crypto-shredding) at the log level.
@Suite struct PrivacyTests {
    let key = MasterKey.generate()

    func encrypted(_ c: inout StoreConfiguration) { c.masterKey = key }

    /// Every occurrence of `needle` in the files of a folder (data.mdb and lock.mdb).
    static func occurrences(of needle: String, in folder: String) throws -> Int {
        var n = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            var from = data.startIndex
            while let r = data.range(of: Data(needle.utf8), in: from..<data.endIndex) {
                n += 1
                from = r.upperBound
            }
        }
        return n
    }

    @Test func propertiesAreSealedOnDiskAndReadBackEqual() async throws {
        let f = try StoreFixture(encrypted)
        let props = #"{"email":"jane.doe@example.com","plan":"pro","nps":9}"#
        _ = try await f.store.append(event("cust-1", "signup", properties: props))
        _ = try await f.store.append(event("cust-2", "signup", properties: #"{"email":"max@example.com"}"#))
        #expect(f.store.isEncrypted)
        let back = try f.store.readStream("cust-1")
        #expect(back.count == 1 && back[0].properties?.description == props && !back[0].redacted)
        #expect(try f.store.readLog().count == 2)
        #expect(try f.store.event(id: back[0].id)?.properties?.description == props)
        #expect(try f.store.verify().isValid)
        f.store.close()
        #expect(try Self.occurrences(of: "jane.doe@example.com", in: f.directory.appending("data")) == 0)
        #expect(try Self.occurrences(of: "cust-1", in: f.directory.appending("data")) > 0, "the search must be able to find what is stored in clear")
    }

    /// Nonces come from a pool refilled every 1024 nonces: equal plaintexts of one customer
    /// must still seal to distinct ciphertexts (a repeated nonce under one key breaks AES-GCM).
    @Test func equalPropertiesSealToDistinctCiphertexts() async throws {
        let f = try StoreFixture(encrypted)
        let props = #"{"email":"jane.doe@example.com"}"#
        let n = 3000
        _ = try await f.store.append((0..<n).map { _ in event("cust-1", "page_view", properties: props) })
        var sealed = Set<[UInt8]>()
        var nonces = Set<[UInt8]>()
        try f.store.scan { _, r in
            let bytes = Array(r.storedPropertiesBytes!)
            #expect(r.isSealed && bytes.count == props.utf8.count + CustomerKeys.sealOverhead)
            sealed.insert(bytes)
            nonces.insert(Array(bytes.prefix(12)))
            return true
        }
        #expect(sealed.count == n && nonces.count == n)
        #expect(try f.store.readStream("cust-1").allSatisfy { $0.properties?.description == props })
    }

    @Test func erasureShredsTheKeyAndKeepsTheChain() async throws {
        let f = try StoreFixture(encrypted)
        for i in 0..<5 {
            _ = try await f.store.append(event("cust-1", "page_view", properties: #"{"email":"jane.doe@example.com","i":\#(i)}"#))
            _ = try await f.store.append(event("cust-2", "page_view", properties: #"{"email":"max@example.com","i":\#(i)}"#))
        }
        let erased = try await f.store.erase("cust-1", by: "test-admin", reason: "GDPR art. 17 request #42", kept: "residue")
        #expect(!erased.duplicate && erased.erasedBy == "test-admin" && erased.reason == "GDPR art. 17 request #42")
        #expect(erased.version == 6 && erased.position == 11)
        let stream = try f.store.readStream("cust-1")
        #expect(stream.count == 6)
        #expect(stream.prefix(5).allSatisfy { $0.redacted && $0.properties == nil && $0.type == "page_view" })
        #expect(stream[5].isErasure && stream[5].type == "customer_erased")
        #expect(stream[0].json.contains(#""redacted":true"#) && !stream[0].json.contains("jane"))
        #expect(stream[5].json.hasSuffix(#","erasure":true}"#) && !stream[5].json.contains("test-admin"))
        #expect(try f.store.readStream("cust-2").allSatisfy { $0.properties?.description.contains("max@example.com") == true })
        #expect(try f.store.verify().isValid)

        // Erasing twice changes nothing; the audit lists it once.
        let again = try await f.store.erase("cust-1", by: "someone-else")
        #expect(again.duplicate && again.position == erased.position && again.erasedBy == "test-admin")
        #expect(try f.store.erasures().map(\.customerId) == ["cust-1"])
        #expect(try f.store.headPosition() == 11)

        // A forgotten customer's stream takes no new events; a retry of an old one is a duplicate.
        await #expect(throws: StoreError.self) { _ = try await f.store.append(event("cust-1")) }
        do {
            _ = try await f.store.append(event("cust-1"))
        } catch {
            #expect(error.code == .customerErased)
        }
        let retry = try await f.store.append([NewEvent(id: stream[0].id, customerId: "cust-1", type: "page_view", touchpoint: "web_page", channel: "web",
                                                       properties: try JSONObjectText(validating: #"{"email":"jane.doe@example.com","i":0}"#))])
        #expect(retry.duplicates == 1)

        // Unknown customers: not found, nothing written.
        await #expect(throws: StoreError.self) { _ = try await f.store.erase("nobody", by: "x") }
        #expect(try f.store.headPosition() == 11)
    }

    @Test func aBackupAfterErasureHoldsNoTraceOfTheKey() async throws {
        let f = try StoreFixture(encrypted)
        _ = try await f.store.append(event("cust-1", "signup", properties: #"{"email":"jane.doe@example.com"}"#))
        f.store.close()
        // The wrapped data key as stored: the only way back to the plaintext.
        let wrapped = try Self.wrappedKey(in: f.directory.appending("data/data.mdb"), customer: "cust-1")
        let store = try f.reopen(encrypted)
        _ = try await store.erase("cust-1", by: "test")
        _ = try store.backup(to: f.directory.appending("backup"))
        store.close()
        #expect(try Self.count(wrapped, in: f.directory.appending("backup/data.mdb")) == 0)
        let compacted = try EventStore.compact(directory: f.directory.appending("data"), masterKey: key)
        #expect(compacted.1 > 0)
        #expect(try Self.count(wrapped, in: f.directory.appending("data/data.mdb")) == 0)
        let reopened = try EventStore({ var c = StoreConfiguration(directory: f.directory.appending("backup")); c.masterKey = key; return c }())
        defer { reopened.close() }
        #expect(try reopened.verify().isValid)
        #expect(try reopened.readStream("cust-1")[0].redacted)
    }

    /// The 61-byte wrapped key stored for a customer: `0x01`, then 60 bytes, found right after
    /// the customer's key in the `customer-keys` leaf (LMDB stores key and value together).
    static func wrappedKey(in path: String, customer: String) throws -> Data {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var from = data.startIndex
        while let r = data.range(of: Data(customer.utf8), in: from..<data.endIndex) {
            if r.upperBound + 61 <= data.endIndex, data[r.upperBound] == 0x01 {
                let candidate = data[r.upperBound..<(r.upperBound + 61)]
                // LMDB node header before the key: value size (4 bytes LE) = 61.
                let sizeStart = r.lowerBound - 8
                if sizeStart >= data.startIndex, data[sizeStart] == 61, data[sizeStart + 1] == 0 { return Data(candidate) }
            }
            from = r.upperBound
        }
        throw StoreError(.notFound, "no wrapped key for \(customer)")
    }

    static func count(_ needle: Data, in path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var n = 0
        var from = data.startIndex
        while let r = data.range(of: needle, in: from..<data.endIndex) {
            n += 1
            from = r.upperBound
        }
        return n
    }

    @Test func aMissingOrWrongKeyIsRefusedAndNothingIsTouched() async throws {
        let f = try StoreFixture(encrypted)
        _ = try await f.store.append(event("cust-1", properties: #"{"a":1}"#))
        f.store.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: f.directory.appending("data/data.mdb")))
        #expect { _ = try f.reopen() } throws: { ($0 as? StoreError)?.code == .masterKeyMissing }
        #expect { _ = try f.reopen { $0.masterKey = .generate() } } throws: { ($0 as? StoreError)?.code == .masterKeyWrong }
        let after = try Data(contentsOf: URL(fileURLWithPath: f.directory.appending("data/data.mdb")))
        #expect(before == after)
        let ok = try f.reopen(encrypted)
        #expect(try ok.readLog()[0].properties?.description == #"{"a":1}"#)
        ok.close()
    }

    @Test func aNewStoreNeedsAKeyUnlessUnencryptedOnPurpose() throws {
        let dir = TemporaryDirectory("nokey")
        var c = StoreConfiguration(directory: dir.appending("data"))
        c.allowUnencrypted = false
        #expect { _ = try EventStore(c) } throws: { ($0 as? StoreError)?.code == .masterKeyMissing }
        #expect(!FileManager.default.fileExists(atPath: dir.appending("data/data.mdb")))
        c.allowUnencrypted = true
        let s = try EventStore(c)
        defer { s.close() }
        #expect(!s.isEncrypted)
        #expect { _ = try s.eraseBlocking("x", by: "y") } throws: { ($0 as? StoreError)?.code == .notFound || ($0 as? StoreError)?.code == .notEncrypted }
    }

    @Test func masterKeyText() throws {
        let k = MasterKey.generate()
        #expect(try MasterKey(text: k.hex) == k)
        #expect(try MasterKey(text: "  " + k.hex + "\n") == k)
        #expect(throws: StoreError.self) { try MasterKey(text: "too-short") }
        #expect(throws: StoreError.self) { try MasterKey(text: String(repeating: "ab", count: 31)) }
    }

    @Test func aKeyFileMustBeOutsideTheDataFolderAndPrivate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let k = MasterKey.generate()
        for path in [dir + "/data/master.key", dir + "/master.key"] {
            _ = FileManager.default.createFile(atPath: path, contents: Data((k.hex + "\n").utf8), attributes: [.posixPermissions: 0o600])
        }
        #expect(try MasterKey(file: dir + "/master.key", dataDirectory: dir + "/data") == k)
        #expect(try MasterKey(file: dir + "/data/master.key") == k, "the folder is checked only when named")
        let inside = #expect(throws: StoreError.self) { try MasterKey(file: dir + "/data/master.key", dataDirectory: dir + "/data/") }
        #expect(inside?.code == .masterKeyInvalid && inside?.message.contains("inside the data folder") == true)
        try FileManager.default.setAttributes([.posixPermissions: 0o604], ofItemAtPath: dir + "/master.key")
        let open = #expect(throws: StoreError.self) { try MasterKey(file: dir + "/master.key") }
        #expect(open?.message.contains("chmod 600") == true)
    }
}
