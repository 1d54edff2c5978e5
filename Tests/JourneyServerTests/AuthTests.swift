import Foundation
import JourneyServer
import JourneyTestSupport
import Testing

@Suite struct AuthTests {
    let read = "read-token-0123456789"
    let write = "write-token-0123456789"
    let admin = "admin-token-0123456789"

    @Test func tokensAndScopes() async throws {
        let f = try await ServerFixture { c in
            c.tokens = [
                APIToken(name: "reader", secret: "read-token-0123456789", scope: .read),
                APIToken(name: "writer", secret: "write-token-0123456789", scope: .write),
                APIToken(name: "root", secret: "admin-token-0123456789", scope: .admin),
            ]
        }
        let c = f.client
        func auth(_ t: String) -> [String: String] { ["Authorization": "Bearer \(t)", "Content-Type": "application/json"] }
        let event = Data(#"{"customerId":"a","type":"t"}"#.utf8)
        var r = try await c.request("GET", "/v1/funnel")
        #expect(r.status == 401 && r.object["type"] as? String == "unauthorized")
        #expect(r.headers["www-authenticate"] == "Bearer")
        #expect(try await c.request("GET", "/v1/funnel", headers: auth("wrong-token-0123456789")).status == 401)
        #expect(try await c.request("GET", "/v1/funnel", headers: ["Authorization": "Basic abc"]).status == 401)
        #expect(try await c.request("GET", "/v1/funnel", headers: auth(read)).status == 200)
        r = try await c.request("POST", "/v1/events", headers: auth(read), body: event)
        #expect(r.status == 403 && r.object["type"] as? String == "forbidden")
        #expect(try await c.request("POST", "/v1/events", headers: auth(write), body: event).status == 200)
        #expect(try await c.request("POST", "/v1/projections/funnel/rebuild", headers: auth(write)).status == 403)
        #expect(try await c.request("POST", "/v1/projections/funnel/rebuild", headers: auth(admin)).status == 202)
        #expect(try await c.request("GET", "/v1/events", headers: auth(admin)).status == 200)
        // Operations routes stay open.
        #expect(try await c.request("GET", "/healthz").status == 200)
        #expect(try await c.request("GET", "/metrics").status == 200)
        try await f.stop()
    }

    @Test func refusesToListenPubliclyWithoutATokenOrTheFlag() throws {
        var c = ServerConfiguration()
        c.host = "0.0.0.0"
        #expect(throws: ConfigurationError.self) { try c.validate() }
        c.insecurePublic = true
        #expect(throws: Never.self) { try c.validate() }
        c.insecurePublic = false
        c.tokens = [APIToken(name: "t", secret: "0123456789abcdef", scope: .read)]
        #expect(throws: Never.self) { try c.validate() }
        c.tokens = [APIToken(name: "t", secret: "short", scope: .read)]
        #expect(throws: ConfigurationError.self) { try c.validate() }
        #expect(throws: ConfigurationError.self) { try APIToken(parsing: "nameonly") }
        #expect(try APIToken(parsing: "ci:write:s3cr3t:with:colons").secret == "s3cr3t:with:colons")
    }

    /// The shipped example names every setting, each at its real default, so it cannot drift.
    @Test func exampleConfigurationIsTheDefaults() throws {
        let path = Repository.file("deploy/journey.example.json")
        var c = ServerConfiguration()
        try c.apply(file: path)
        #expect(c == ServerConfiguration())
        let data = try #require(FileManager.default.contents(atPath: path))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let settings = Set(object.keys.filter { !$0.hasPrefix("$") && $0 != "description" })
        #expect(settings == Set(ServerConfiguration.fileKeys))
        for key in ServerConfiguration.fileKeys {
            #expect(object["$" + key] is String, "deploy/journey.example.json has no note $\(key)")
        }
    }

    @Test func configurationPrecedence() throws {
        let dir = TemporaryDirectory("config")
        let file = dir.appending("journey.json")
        try #"{"port": 9001, "host": "127.0.0.2", "maxBodyBytes": 4096, "logLevel": "debug"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        var c = ServerConfiguration()
        try c.apply(file: file)
        try c.apply(environment: ["JOURNEY_PORT": "9002", "JOURNEY_TOKENS": "a:read:0123456789abcdef,b:admin:fedcba9876543210"])
        #expect(c.port == 9002 && c.host == "127.0.0.2" && c.maxBodyBytes == 4096 && c.logLevel == "debug")
        #expect(c.tokens.map(\.scope) == [.read, .admin])
        #expect(!c.syncReplica)
        try c.apply(environment: ["JOURNEY_SYNC_REPLICA": "1"])
        #expect(c.syncReplica)
        try #"{"prot": 1}"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try c.apply(file: file) }
        #expect(throws: ConfigurationError.self) { try c.apply(environment: ["JOURNEY_PORT": "eighty"]) }
    }
}
