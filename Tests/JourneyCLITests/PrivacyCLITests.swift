import Foundation
import JourneyTestSupport
import Testing

/// keygen, encryption by default, erase, the audit, migration from format 1, as a user runs them.
@Suite struct PrivacyCLITests {
    static let personal = "jane.doe@example.com"

    /// How often `needle` occurs in the files of `folder` (the raw data files).
    static func occurrences(_ needle: String, in folder: String) throws -> Int {
        var n = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let path = folder + "/" + name
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            var from = data.startIndex
            while let r = data.range(of: Data(needle.utf8), in: from..<data.endIndex) {
                n += 1
                from = r.upperBound
            }
        }
        return n
    }

    @Test func keygenAndTheMasterKeyRules() throws {
        let dir = TemporaryDirectory("keys")
        let keyFile = dir.appending("master.key")
        let made = try ProcessRunner.journeyctl(["keygen", "-o", keyFile])
        #expect(made.status == 0 && made.stderr.contains("mode 0600"))
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try ProcessRunner.journeyctl(["keygen", "-o", keyFile]).status == 2, "never overwrites a key")
        let printed = try ProcessRunner.journeyctl(["keygen"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.count == 64 && printed.allSatisfy(\.isHexDigit))

        let data = dir.appending("data")
        let none = ["JOURNEY_MASTER_KEY": ""]
        var r = try ProcessRunner.journeyctl(["append", "--customer", "a", "--type", "t", "--data", data], environment: none)
        #expect(r.status == 2 && r.stderr.contains("no master key") && r.stderr.contains("journeyctl keygen"))
        #expect(!FileManager.default.fileExists(atPath: data + "/data.mdb"))
        r = try ProcessRunner.journeyctl(["append", "--customer", "a", "--type", "t", "--property", "email=\(Self.personal)", "--data", data, "--master-key-file", keyFile], environment: none)
        #expect(r.status == 0, "\(r.stderr)")
        r = try ProcessRunner.journeyctl(["events", "--data", data], environment: none)
        #expect(r.status == 2 && r.stderr.contains("this store is encrypted"))
        r = try ProcessRunner.journeyctl(["events", "--data", data], environment: ["JOURNEY_MASTER_KEY": printed])
        #expect(r.status == 2 && r.stderr.contains("is not this store's"))
        r = try ProcessRunner.journeyctl(["events", "--data", data], environment: ["JOURNEY_MASTER_KEY_FILE": keyFile])
        #expect(r.status == 0 && r.stdout.contains(Self.personal))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
        r = try ProcessRunner.journeyctl(["events", "--data", data], environment: ["JOURNEY_MASTER_KEY_FILE": keyFile])
        #expect(r.status == 2 && r.stderr.contains("chmod 600"))
        r = try ProcessRunner.journeyctl(["append", "--customer", "a", "--type", "t", "--data", dir.appending("plain"), "--unencrypted"], environment: none)
        #expect(r.status == 0)
        r = try ProcessRunner.journeyctl(["erase", "a", "--data", dir.appending("plain")], environment: none)
        #expect(r.status == 1 && r.stderr.contains("without a master key"))
    }

    @Test func eraseACustomerEndToEnd() throws {
        let dir = TemporaryDirectory("erase")
        let data = dir.appending("data")
        func ctl(_ args: [String]) throws -> ProcessResult { try ProcessRunner.journeyctl(args + ["--data", data]) }
        #expect(try ctl(["ingest", Repository.file("Schemas/examples/sample-events.ndjson")]).status == 0)
        #expect(try ctl(["append", "--customer", "cust-0000047", "--type", "survey_response", "--property", "email=\(Self.personal)", "--property", "nps:=10"]).status == 0)
        let funnel = try ctl(["funnel", "--json"]).stdout
        let before = try ctl(["customer", "cust-0000047", "--json"]).stdout
        #expect(before.contains(#""nps""#))
        #expect(try ctl(["events", "--customer", "cust-0000047"]).stdout.contains(Self.personal))
        #expect(try Self.occurrences(Self.personal, in: data) == 0, "properties are sealed on disk")

        var r = try ctl(["erase", "cust-0000047", "--reason", "GDPR request 17", "--by", "dpo@acme"])
        #expect(r.status == 0 && r.stdout.hasPrefix("erased customer cust-0000047"), "\(r.stderr)")
        r = try ctl(["erase", "cust-0000047"])
        #expect(r.status == 0 && r.stdout.contains("already erased") && r.stdout.contains("dpo@acme"))
        r = try ctl(["erase", "nobody"])
        #expect(r.status == 1 && r.stderr.contains("not known"))

        let events = try ctl(["events", "--customer", "cust-0000047"]).stdout
        #expect(!events.contains(Self.personal) && events.contains(#""redacted":true"#) && events.contains(#""erasure":true"#))
        let after = try ctl(["customer", "cust-0000047", "--json"]).stdout
        #expect(after.contains("erasedAt") && !after.contains(#""nps""#))
        #expect(try ctl(["funnel", "--json"]).stdout == funnel, "aggregates keep their counts")
        r = try ctl(["append", "--customer", "cust-0000047", "--type", "purchase"])
        #expect(r.status == 1 && r.stderr.contains("was erased"))
        r = try ctl(["erasures", "--json"])
        #expect(r.stdout.contains(#""customerId":"cust-0000047""#) && r.stdout.contains("GDPR request 17"))
        #expect(try ctl(["verify"]).status == 0)

        // A rebuild gives the same views; a fresh backup and the data folder hold nothing personal.
        #expect(try ctl(["rebuild"]).status == 0)
        #expect(try ctl(["funnel", "--json"]).stdout == funnel)
        #expect(try ctl(["customer", "cust-0000047", "--json"]).stdout == after)
        #expect(try ctl(["backup", dir.appending("backup")]).status == 0)
        #expect(try Self.occurrences(Self.personal, in: dir.appending("backup")) == 0)
        #expect(try Self.occurrences(Self.personal, in: data) == 0)
        let restored = try ProcessRunner.journeyctl(["events", "--customer", "cust-0000047", "--data", dir.appending("backup")]).stdout
        #expect(restored.contains(#""redacted":true"#) && !restored.contains(Self.personal))
    }

    @Test func migrateAFormatOneStore() throws {
        let dir = TemporaryDirectory("migrate")
        let old = dir.appending("old"), new = dir.appending("new")
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repository.file("Tests/Fixtures/format1-store/data.mdb"), toPath: old + "/data.mdb")
        #expect(try Self.occurrences(Self.personal, in: old) > 0, "format 1 kept properties in clear")
        var r = try ProcessRunner.journeyctl(["events", "--data", old])
        #expect(r.status == 2 && r.stderr.contains("format 1") && r.stderr.contains("journeyctl migrate"))
        r = try ProcessRunner.journeyctl(["migrate", "--from", old, "--data", new])
        #expect(r.status == 0 && r.stdout.contains("migrated 301 events") && r.stdout.contains("encrypted"), "\(r.stderr)")
        r = try ProcessRunner.journeyctl(["migrate", "--from", old, "--data", new])
        #expect(r.status == 2 && r.stderr.contains("already holds events"))
        #expect(try ProcessRunner.journeyctl(["verify", "--data", new]).status == 0)
        let events = try ProcessRunner.journeyctl(["events", "--data", new, "--limit", "0"]).stdout
        #expect(events.split(separator: "\n").count == 301 && events.contains(Self.personal))
        #expect(try Self.occurrences(Self.personal, in: new) == 0, "properties are sealed in the new store")
        #expect(try ProcessRunner.journeyctl(["erase", "cust-jane", "--data", new]).status == 0)
        let jane = try ProcessRunner.journeyctl(["events", "--customer", "cust-jane", "--data", new]).stdout
        #expect(jane.contains(#""redacted":true"#) && !jane.contains(Self.personal))
    }
}
