import Foundation
import JourneyCore
import JourneyStore
import JourneyTestSupport
import Testing

/// End to end: the journey commands of the built `journeyctl`.
@Suite struct JourneyCLITests {
    let dir = TemporaryDirectory("jcli")
    var data: String { dir.appending("data") }

    func ctl(_ args: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try ProcessRunner.journeyctl(args + ["--data", data], environment: environment)
    }

    func json<T: Decodable>(_ type: T.Type, _ r: ProcessResult) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(r.stdout.utf8))
    }

    @Test func ingestThenAskSeesWhatWasIngested() throws {
        #expect(try ctl(["ingest", Repository.file("Schemas/examples/sample-events.ndjson")]).status == 0)
        let c = try ctl(["customer", "cust-0000047", "--json"])
        #expect(c.status == 0, "\(c.stderr)")
        let state = try json(CustomerStateOutput.self, c)
        #expect(state.stage == "advocacy" && state.advocacy.level == "champion" && state.version == 25)
        #expect(state.stages.count == 6)
        // A new event is visible at once, without any server.
        #expect(try ctl(["append", "--customer", "brand-new", "--type", "purchase"]).status == 0)
        #expect(try json(CustomerStateOutput.self, try ctl(["customer", "brand-new", "--json"])).stage == "decision")
        let human = try ctl(["customer", "cust-0000047"])
        #expect(human.stdout.contains("stage      advocacy since 2026-04-01T11:35:20.200Z"))
        #expect(human.stdout.contains("advocacy   champion"))
    }

    @Test func journeyFunnelAndProjections() throws {
        #expect(try ctl(["ingest", Repository.file("Schemas/examples/sample-events.ndjson")]).status == 0)
        let j = try json(JourneyOutput.self, try ctl(["journey", "cust-0000047", "--json"]))
        #expect(j.transitions.map(\.to) == ["awareness", "consideration", "decision", "onboarding", "retention", "advocacy"])
        #expect(j.transitions.allSatisfy { !$0.eventId.isEmpty && $0.position > 0 && !$0.rule.isEmpty })
        #expect(j.advocacy.map(\.to) == ["advocate", "champion"])
        let text = try ctl(["journey", "cust-0000047"]).stdout
        #expect(text.contains("ENTERS  advocacy"))
        #expect(text.contains("advocacy advocate → champion; evidence:"))
        let funnel = try json(FunnelOutput.self, try ctl(["funnel", "--json"]))
        #expect(funnel.customers == 400 && funnel.stages.first?.reached == 400)
        let p = try ctl(["projections", "--json"])
        let statuses = try json([ProjectionStatus].self, p)
        #expect(statuses.map(\.name) == ["customer-stage", "journey-history", "advocacy", "funnel", "journey-map"])
        #expect(statuses.allSatisfy { $0.lag == 0 && $0.checkpoint == 4000 && $0.state == "live" })
        let unknown = try ctl(["customer", "nobody"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("customer nobody is not known to this store"))
        #expect(try ctl(["journey", "nobody"]).status == 1)
        let badTime = try ctl(["customer", "cust-0000047", "--as-of", "last week"])
        #expect(badTime.status == 2)
        #expect(badTime.stderr.contains("--as-of"))
    }

    @Test func rebuildSimulateAndModels() throws {
        #expect(try ctl(["ingest", Repository.file("Schemas/examples/sample-events.ndjson")]).status == 0)
        let before = try ctl(["funnel", "--json"]).stdout
        let r = try ctl(["rebuild", "funnel"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("rebuilt funnel: generation 2"))
        #expect(try ctl(["funnel", "--json"]).stdout == before)
        #expect(try ctl(["rebuild", "nonsense"]).status == 2)

        // A model where webinars count as decision.
        var doc = try JSONSerialization.jsonObject(with: Data(JourneyModel.defaultDocument.utf8)) as! [String: Any]
        doc["version"] = "2"
        var rules = doc["rules"] as! [[String: Any]]
        rules.insert(["id": "webinar", "stage": "decision", "match": ["type": "webinar_attended"]], at: 0)
        doc["rules"] = rules
        let file = dir.appending("model-v2.json")
        try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: file))
        let validate = try ctl(["model", "validate", file])
        #expect(validate.stdout.hasPrefix("ok: model default version 2"), "\(validate.stdout)\(validate.stderr)")
        let sim = try json(SimulationReport.self, try ctl(["simulate", "--model", file, "--json"]))
        #expect(sim.changedCustomers > 0 && sim.events == 4000)
        #expect(try ctl(["model", "show"]).stdout.contains("\"version\":\"1\""))
        let activate = try ctl(["model", "activate", file])
        #expect(activate.status == 0, "\(activate.stderr)")
        #expect(try ctl(["model", "show"]).stdout.contains("\"version\":\"2\""))
        let after = try json(FunnelOutput.self, try ctl(["funnel", "--json"]))
        #expect(after.modelVersion == "2")

        // A wrong model: exit 2, the JSON path, nothing changes.
        rules[0]["stage"] = "decisoin"
        doc["rules"] = rules
        doc["version"] = "3"
        try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: file))
        let bad = try ctl(["model", "activate", file])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("$.rules[0].stage: unknown stage \"decisoin\""))
        #expect(try ctl(["model", "show"]).stdout.contains("\"version\":\"2\""))
    }

    /// A projection worker killed with SIGKILL in the middle of catching up: after a restart the
    /// views equal a full rebuild.
    @Test func killedWorkerResumesToTheSameViewsAsARebuild() throws {
        // 30,000 events of 1,500 customers, some out of business order.
        var lines = ""
        for i in 0..<30_000 {
            let customer = (i * 7919) % 1500
            let types = ["ad_click", "product_view", "pricing_view", "purchase", "first_login", "feature_used", "survey_response", "referral_sent", "social_share"]
            let type = types[(i / 1500 + customer) % types.count]
            let dayOffset = (i / 1500) * 86_400 - (i % 11 == 0 ? 5 * 86_400 : 0)
            let t = Timestamp(milliseconds: 1_767_225_600_000 + Int64(dayOffset) * 1000 + Int64(customer)).rfc3339
            let props = type == "survey_response" ? #","properties":{"nps":\#(i % 11)}"# : ""
            lines += #"{"id":"k\#(i)","customerId":"c\#(customer)","type":"\#(type)","occurredAt":"\#(t)"\#(props)}"# + "\n"
        }
        let file = dir.appending("events.ndjson")
        try lines.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try ctl(["ingest", file, "--quiet"]).status == 0)

        // Catch up in small chunks and kill it part way.
        ProcessRunner.ignoreBrokenPipes
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repository.journeyctl)
        p.arguments = ["projections", "--data", data]
        p.environment = ProcessRunner.environment(["JOURNEY_PROJECTION_CHUNK_EVENTS": "700"])
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var interrupted = false
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            let s = try json([ProjectionStatus].self, try ctl(["projections", "--no-catch-up", "--json"]))
            if let c = s.first?.checkpoint, c > 0 {
                kill(p.processIdentifier, SIGKILL)
                interrupted = c < 30_000
                break
            }
        }
        p.waitUntilExit()
        #expect(interrupted, "the worker finished before it could be killed")
        let after = try json([ProjectionStatus].self, try ctl(["projections", "--no-catch-up", "--json"]))
        // All four advance in the same transactions: one checkpoint, short of the head.
        #expect(Set(after.map(\.checkpoint)).count == 1, "\(after.map(\.checkpoint))")
        #expect(after.allSatisfy { $0.checkpoint < 30_000 && $0.lag > 0 })

        let sampleCustomers = ["c0", "c1", "c17", "c999", "c1499"]
        func snapshot() throws -> [String] {
            try [ctl(["funnel", "--json"]).stdout] + sampleCustomers.flatMap { c in
                [try ctl(["customer", c, "--json"]).stdout, try ctl(["journey", c, "--json"]).stdout]
            }
        }
        let resumed = try snapshot()
        #expect(try ctl(["rebuild"]).status == 0)
        let rebuilt = try snapshot()
        #expect(resumed == rebuilt)
    }
}
