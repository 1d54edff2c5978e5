import Foundation
import JourneyTestSupport
import Testing

/// A store written by the build before the views had their own file (`Tests/Fixtures/format3-store`:
/// store format 3, its views inside `data.mdb`, the personas model active, made with that
/// build's `journeyctl ingest`, `model activate` and `compact`; the `expected-*` files are what
/// that build answered).
@Suite struct UpgradeCLITests {
    static func expected(_ name: String) throws -> String {
        try String(contentsOfFile: Repository.file("Tests/Fixtures/format3-store/" + name), encoding: .utf8)
    }

    /// This build opens it, moves the views out once and says so, answers exactly as the earlier
    /// build did (no rebuild: the active model and every view came along), and marks the store
    /// format 4, which earlier builds refuse.
    @Test func aFormatThreeStoreOpensWithItsViews() throws {
        let dir = TemporaryDirectory("format3")
        let data = dir.appending("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repository.file("Tests/Fixtures/format3-store/data.mdb"), toPath: data + "/data.mdb")
        func ctl(_ args: [String]) throws -> ProcessResult { try ProcessRunner.journeyctl(args + ["--data", data]) }

        let first = try ctl(["funnel", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("the views were moved out of the log's data.mdb into views/data.mdb"), "\(first.stderr)")
        #expect(first.stdout == (try Self.expected("expected-funnel.json")))
        #expect(FileManager.default.fileExists(atPath: data + "/views/data.mdb"))

        let customer = try ctl(["customer", "c1", "--json"])
        #expect(customer.status == 0 && !customer.stderr.contains("moved"), "moved once: \(customer.stderr)")
        #expect(customer.stdout == (try Self.expected("expected-customer-c1.json")))
        #expect(try ctl(["map", "--json", "--at", "2026-06-01T00:00:00Z"]).stdout == (try Self.expected("expected-map.json")))
        #expect(try ctl(["model", "show"]).stdout == (try Self.expected("expected-model.json")))

        let stats = try ctl(["stats", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(object?["format"] as? Int == 4 && object?["events"] as? Int == 900, "\(stats.stdout)")
        #expect((object?["viewsFileBytes"] as? Int ?? 0) > 0)
        #expect(try ctl(["verify"]).status == 0)
        let doctor = try ctl(["doctor", "--quick"])
        #expect(doctor.stdout.contains("views"), "\(doctor.stdout)")
    }
}
