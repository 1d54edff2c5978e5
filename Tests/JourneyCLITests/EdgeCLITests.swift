import Foundation
import JourneyTestSupport
import Testing

/// The CLI's edges: remote mode with ids that need percent-encoding, doctor on a folder others
/// can read, tokens from files rather than the command line.
@Suite struct EdgeCLITests {
    @Test func remoteCommandsEncodeAwkwardIds() throws {
        let dir = TemporaryDirectory("remote-ids")
        let tokens = dir.appending("tokens")
        try "ops:admin:0123456789abcdef0123\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        chmod(tokens, 0o600)
        let secret = dir.appending("client-token")
        try "0123456789abcdef0123\n".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        let (server, url) = try RemoteCLITests.serve(data: dir.appending("data"), extra: ["--token-file", tokens])
        defer { server.terminate(); server.waitUntilExit() }
        func remote(_ args: [String]) throws -> ProcessResult {
            try ProcessRunner.journeyctl(args + ["--server", url, "--token-file", secret])
        }
        for id in ["a b", "café", "p/q", "x%41y"] {
            let appended = try remote(["append", "--customer", id, "--type", "purchase", "--occurred-at", "2026-01-02T00:00:00Z", "--json"])
            #expect(appended.status == 0, "\(id): \(appended.stderr)")
            let customer = try remote(["customer", id, "--json"])
            #expect(customer.status == 0 && customer.stdout.contains("\"stage\":\"decision\""), "\(id): \(customer.stdout) \(customer.stderr)")
            let past = try remote(["customer", id, "--as-of", "2026-01-03T00:00:00Z"])
            #expect(past.status == 0, "\(id): \(past.stderr)")
            let journey = try remote(["journey", id])
            #expect(journey.status == 0, "\(id): \(journey.stderr)")
            let events = try remote(["events", "--customer", id])
            #expect(events.status == 0 && events.stdout.split(separator: "\n").count == 1, "\(id): \(events.stdout) \(events.stderr)")
            let erased = try remote(["erase", id, "--reason", "test"])
            #expect(erased.status == 0, "\(id): \(erased.stderr)")
        }
        // Without a token the server refuses: the file was what authenticated.
        let anonymous = try ProcessRunner.journeyctl(["funnel", "--server", url])
        #expect(anonymous.status != 0 && anonymous.stderr.contains("token"))
    }

    @Test func doctorFlagsAFolderOthersCanRead() throws {
        let dir = TemporaryDirectory("doctor-mode")
        let data = dir.appending("data")
        #expect(try ProcessRunner.journeyctl(["append", "--data", data, "--customer", "c", "--type", "t"]).status == 0)
        var s = stat()
        #expect(stat(data, &s) == 0 && Int(s.st_mode) & 0o777 == 0o700)
        let ok = try ProcessRunner.journeyctl(["doctor", "--data", data])
        #expect(ok.stdout.contains("folder mode") && ok.stdout.contains("no access for other users"), "\(ok.stdout)")
        chmod(data, 0o755)
        let warned = try ProcessRunner.journeyctl(["doctor", "--data", data])
        #expect(warned.stdout.contains("WARN  folder mode") && warned.stdout.contains("chmod 700"), "\(warned.stdout)")
    }
}
