import Foundation
@testable import JourneyCore
import JourneyStore
import JourneyTestSupport
import Testing

/// The journey map against an independent fold of the raw events, live and after a rebuild,
/// with and without a segment.
@Suite struct MapTests {
    /// Loads an NDJSON file into the fixture's store, catching the views up every `chunk` lines.
    static func load(_ path: String, into f: JourneyFixture, batch: Int = 500) async throws {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var options = IngestOptions()
        options.batchSize = batch
        let summary = try await NDJSONIngester(log: f.store, options: options).ingest(fileDescriptor: fd)
        #expect(summary.rejected == 0)
        try f.engine.live.catchUp()
    }

    /// A model with the default stages and three persona segments.
    static func personaModel(version: String = "personas") throws -> JourneyModel {
        var doc = try JSONSerialization.jsonObject(with: Data(JourneyModel.defaultDocument.utf8)) as! [String: Any]
        doc["version"] = version
        doc["segments"] = ["consumer", "smb", "enterprise"].map { p in
            ["id": p, "name": p.capitalized, "criteria": [["trait": "plan", "op": "equals", "value": p]]] as [String: Any]
        }
        return try JourneyModel.parse(String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))
    }

    /// What the map should say, folded here from the raw events with the default model's rules.
    struct Expected {
        struct Touch: Hashable { var stage: Int; var type: String; var touchpoint: String?; var channel: String? }
        var events: [Touch: Int] = [:]
        var customers: [Touch: Set<String>] = [:]
        var sentiment: [Touch: (Double, Int)] = [:]
        var advanced: [Touch: Set<String>] = [:]
        var reached: [Int: Int] = [:]
        var journeys = 0
    }

    static func expected(_ path: String, plan: String? = nil) throws -> Expected {
        let ruleStage: [String: Int] = [
            "ad_click": 0, "blog_view": 0, "social_mention": 0, "product_view": 1, "review_read": 1, "webinar_attended": 1, "comparison_view": 1,
            "pricing_view": 2, "demo_requested": 2, "trial_started": 2, "checkout_started": 2, "purchase": 2,
            "onboarding_email_opened": 3, "first_login": 3, "setup_completed": 3, "repeat_purchase": 4, "support_ticket": 4,
            "feature_used": 4, "survey_response": 4, "referral_sent": 5, "social_share": 5,
        ]
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let events = lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        var owner: [String: String] = [:]
        for e in events { if let c = e["customerId"] as? String, let a = e["anonymousId"] as? String { owner[a] = owner[a] ?? c } }
        var byJourney: [String: [(Int, [String: Any])]] = [:]
        for (i, e) in events.enumerated() {
            let id = (e["customerId"] as? String) ?? owner[e["anonymousId"] as! String] ?? "anon:" + (e["anonymousId"] as! String)
            byJourney[id, default: []].append((i, e))
        }
        var x = Expected()
        for (id, list) in byJourney {
            let sorted = list.sorted { a, b in
                let ta = a.1["occurredAt"] as! String, tb = b.1["occurredAt"] as! String
                return ta != tb ? Timestamp(rfc3339: ta)! < Timestamp(rfc3339: tb)! : a.0 < b.0
            }
            var traits: [String: Any] = [:]
            for (_, e) in sorted where e["type"] as? String == "identify" { for (k, v) in (e["properties"] as? [String: Any]) ?? [:] { traits[k] = v } }
            if let plan, traits["plan"] as? String != plan { continue }
            x.journeys += 1
            var current = -1, furthest = -1
            var met: Set<Expected.Touch> = []
            for (_, e) in sorted {
                let type = e["type"] as! String
                var s = ruleStage[type]
                if type == "review_posted" { s = ((e["properties"] as? [String: Any])?["rating"] as? Double).map { $0 < 4 } == true ? 4 : 5 }
                if let s, s > current { current = s; furthest = max(furthest, s) }
                guard current >= 0, !["identify", "alias", "group"].contains(type) else { continue }
                let t = Expected.Touch(stage: current, type: type, touchpoint: e["touchpoint"] as? String, channel: e["channel"] as? String)
                x.events[t, default: 0] += 1
                x.customers[t, default: []].insert(id)
                if let v = e["sentiment"] as? Double { x.sentiment[t] = ((x.sentiment[t]?.0 ?? 0) + v, (x.sentiment[t]?.1 ?? 0) + 1) }
                met.insert(t)
            }
            for t in met where furthest > t.stage { x.advanced[t, default: []].insert(id) }
        }
        return x
    }

    static func check(_ map: MapOutput, against x: Expected) {
        #expect(map.customers == Int64(x.journeys), "customers")
        var seen = 0
        for (s, stage) in map.stages.enumerated() {
            for t in stage.touchpoints {
                let key = Expected.Touch(stage: s, type: t.type, touchpoint: t.touchpoint, channel: t.channel)
                seen += 1
                #expect(Int64(x.events[key] ?? -1) == t.events, "\(stage.stage) \(t.type) \(t.touchpoint ?? "-") events")
                #expect(Int64(x.customers[key]?.count ?? -1) == t.customers, "\(stage.stage) \(t.type) customers")
                if let (sum, n) = x.sentiment[key] { #expect(abs((t.sentiment ?? .nan) - sum / Double(n)) < 1e-8, "\(t.type) sentiment") }
                if s + 1 < map.stages.count {
                    let rate = Double(x.advanced[key]?.count ?? 0) / Double(x.customers[key]!.count)
                    #expect(abs((t.advanceRate ?? .nan) - rate) < 1e-12, "\(stage.stage) \(t.type) advance")
                }
            }
        }
        #expect(seen == x.events.count, "every touchpoint listed")
    }

    @Test func theMapReconcilesWithAPlainFoldLiveAndRebuilt() async throws {
        let f = try JourneyFixture(masterKey: MasterKey.generate())
        let path = Repository.file("Tests/Fixtures/journeys/j-native.ndjson")
        try await Self.load(path, into: f, batch: 97)
        var q = MapQuery()
        q.touchpoints = 1000
        let live = try f.engine.queries.map(q)
        Self.check(live, against: try Self.expected(path))
        // The funnel's figures for the same customers.
        let funnel = try f.engine.queries.funnel()
        #expect(live.stages.map(\.reached) == funnel.stages.map(\.reached) && live.stages.map(\.current) == funnel.stages.map(\.current))
        #expect(live.stages.map(\.conversionToNext) == funnel.stages.map(\.conversionToNext))
        #expect(live.stages.map { $0.timeToNext?.p50Seconds } == funnel.stages.map { $0.toNext?.medianSeconds })
        try f.engine.rebuilder.rebuild()
        var again = try f.engine.queries.map(q)
        again.at = live.at
        #expect(again.stages.map(\.touchpoints) == live.stages.map(\.touchpoints))
        // With segments (a model activated with personas): only that persona's customers.
        _ = try f.engine.rebuilder.activate(try Self.personaModel())
        q.segment = "smb"
        let smb = try f.engine.queries.map(q)
        #expect(smb.segment == "smb" && smb.segmentName == "Smb")
        Self.check(smb, against: try Self.expected(path, plan: "smb"))
        q.segment = "nope"
        #expect(throws: StoreError.self) { try f.engine.queries.map(q) }
        // A cohort window over everyone equals the map without one.
        q.segment = "smb"
        q.from = Timestamp(rfc3339: "2000-01-01T00:00:00Z")
        q.to = Timestamp(rfc3339: "2100-01-01T00:00:00Z")
        var cohort = try f.engine.queries.map(q)
        cohort.from = nil
        cohort.to = nil
        cohort.at = smb.at
        #expect(cohort.stages.map(\.touchpoints) == smb.stages.map(\.touchpoints))
        #expect(cohort.stages.map(\.timeToNext) == smb.stages.map(\.timeToNext))
    }
}

/// The map finds what `gen_journeys.py` planted: the moment of truth first among its stage's,
/// the pain point among its stage's, the personas' conversions as the truth has them; for the
/// default plants and for plants of this test's own.
@Suite struct PlantedMapTests {
    static let customPlants = #"""
        {"personas": {"starter": {"weight": 5, "next": [0.5, 0.4, 0.5, 0.7, 0.25]},
                      "growth": {"weight": 3, "next": [0.6, 0.6, 0.55, 0.8, 0.35]},
                      "scale": {"weight": 2, "next": [0.7, 0.7, 0.7, 0.9, 0.5]}},
         "moments": [{"stage": "retention", "type": "repeat_purchase", "next": 0.95}],
         "pains": [{"stage": "consideration", "type": "review_read", "touchpoint": "g2_listing", "sentiment": -0.65, "factor": 0.3}]}
        """#

    static func model(_ personas: [String]) throws -> JourneyModel {
        var doc = try JSONSerialization.jsonObject(with: Data(JourneyModel.defaultDocument.utf8)) as! [String: Any]
        doc["version"] = "planted"
        doc["segments"] = personas.map { ["id": $0, "criteria": [["trait": "plan", "op": "equals", "value": $0]]] as [String: Any] }
        return try JourneyModel.parse(String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))
    }

    @Test(arguments: [false, true])
    func plantsAreFound(custom: Bool) async throws {
        let dir = TemporaryDirectory("planted")
        var args = [Repository.file("Tests/Fixtures/gen_journeys.py"), "--customers", "3000", "--seed", custom ? "19" : "5",
                    "--out", dir.appending("j.ndjson"), "--truth", dir.appending("truth.json")]
        if custom {
            try Data(Self.customPlants.utf8).write(to: URL(fileURLWithPath: dir.appending("plants.json")))
            args += ["--plants", dir.appending("plants.json")]
        }
        let gen = try ProcessRunner.run("/usr/bin/env", ["python3"] + args)
        #expect(gen.status == 0, "\(gen.stderr)")
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.appending("truth.json")))) as! [String: Any]
        let plants = truth["plants"] as! [String: Any]
        let personas = (plants["personas"] as! [String: Any]).keys.sorted()
        let f = try JourneyFixture()
        _ = try f.engine.rebuilder.activate(try Self.model(personas))
        try await MapTests.load(dir.appending("j.ndjson"), into: f, batch: 5000)
        let stages = try f.engine.queries.activeModel().stages
        let map = try f.engine.queries.map(MapQuery())
        for case let m as [String: Any] in plants["moments"] as! [Any] {
            let stage = map.stages[stages.firstIndex(of: m["stage"] as! String)!]
            #expect(stage.momentsOfTruth.first?.type == m["type"] as? String, "\(m): \(stage.momentsOfTruth.map { "\($0.type) \($0.lift ?? 0)" })")
            #expect(stage.momentsOfTruth.first?.effect == "raises")
        }
        for case let p as [String: Any] in plants["pains"] as! [Any] {
            let stage = map.stages[stages.firstIndex(of: p["stage"] as! String)!]
            let found = stage.painPoints.first { $0.type == p["type"] as? String && $0.touchpoint == p["touchpoint"] as? String }
            #expect(found != nil, "\(p): \(stage.painPoints.map { "\($0.type) \($0.touchpoint ?? "")" })")
            #expect(found?.reasons == ["sentiment", "lift"], "\(String(describing: found))")
        }
        // Each persona's conversions: exactly the truth's walks (its identified customers), and
        // within sampling error of the persona's chances where no plant changes them.
        let customers = truth["customers"] as! [String: [String: Any]]
        for persona in personas {
            var q = MapQuery()
            q.segment = persona
            let seg = try f.engine.queries.map(q)
            let mine = customers.values.filter { $0["persona"] as? String == persona && $0["identified"] as? Bool == true }
            let furthest = mine.map { stages.firstIndex(of: $0["lastStage"] as! String)! }
            #expect(seg.customers == Int64(mine.count), "\(persona) customers")
            let chances = ((plants["personas"] as! [String: Any])[persona] as! [String: Any])["next"] as! [Double]
            let planted = Set((plants["moments"] as! [[String: Any]]).map { $0["stage"] as! String } + (plants["pains"] as! [[String: Any]]).map { $0["stage"] as! String } + ["decision"])
            for s in 0..<(stages.count - 1) {
                let reached = furthest.filter { $0 >= s }.count, next = furthest.filter { $0 >= s + 1 }.count
                #expect(seg.stages[s].reached == Int64(reached), "\(persona) \(stages[s]) reached")
                guard reached > 0 else { continue }
                if stages[s + 1] == "advocacy" {
                    // The model keeps a customer whose only advocacy-stage event is a review rated
                    // below 4 in retention, where the generator counts them as walked on.
                    #expect(seg.stages[s].conversionToNext! <= Double(next) / Double(reached), "\(persona) \(stages[s])")
                } else {
                    #expect(seg.stages[s].conversionToNext == Double(next) / Double(reached), "\(persona) \(stages[s])")
                }
                if !planted.contains(stages[s]) && reached >= 50 && s > 0 {
                    let p = chances[s], sigma = (p * (1 - p) / Double(reached)).squareRoot()
                    #expect(abs(seg.stages[s].conversionToNext! - p) < 4 * sigma + 0.01, "\(persona) \(stages[s]): \(seg.stages[s].conversionToNext!) vs \(p)")
                }
            }
        }
    }
}

/// Late events, merges and unmerges change the map exactly as a rebuild does.
@Suite struct MapChangeTests {
    @Test func lateEventsAndMergesMatchARebuild() async throws {
        let f = try JourneyFixture()
        _ = try f.engine.rebuilder.activate(try MapTests.personaModel())
        let lines = try String(contentsOfFile: Repository.file("Tests/Fixtures/journeys/j-native.ndjson"), encoding: .utf8).split(separator: "\n")
        var rng = PropertyTests.SplitMix(state: 77)
        let parser = EventParser()
        var events = try lines.map { try parser.parse(String($0)) }
        events.shuffle(using: &rng)  // arrival order unrelated to business order: many late events
        try await f.appendInRandomBatches(events, maxBatch: 60, using: &rng)
        let customers = Set(events.compactMap(\.customerId)).sorted()
        for k in stride(from: 0, to: min(customers.count - 1, 30), by: 2) {
            _ = try f.engine.merge(.customer(customers[k]), into: .customer(customers[k + 1]), by: "test", reason: nil)
        }
        for k in stride(from: 0, to: min(customers.count - 1, 12), by: 4) {
            _ = try f.engine.unmerge(.customer(customers[k]), into: .customer(customers[k + 1]), by: "test", reason: nil)
        }
        var q = MapQuery()
        q.at = Timestamp(rfc3339: "2026-06-01T00:00:00Z")
        q.touchpoints = 1000
        q.minSupport = 3
        let live = try f.engine.queries.map(q)
        q.segment = "consumer"
        let liveConsumer = try f.engine.queries.map(q)
        try f.engine.rebuilder.rebuild()
        #expect(try f.engine.queries.map(q) == liveConsumer)
        q.segment = nil
        #expect(try f.engine.queries.map(q) == live)
        #expect(live.stages.contains { $0.stalled > 0 } && live.stages.contains { !$0.touchpoints.isEmpty })
    }
}

/// Paths before stalling or moving on, and customers at risk, paged.
@Suite struct MapRiskTests {
    @Test func pathsAndCustomersAtRisk() async throws {
        let f = try JourneyFixture()
        try await MapTests.load(Repository.file("Tests/Fixtures/journeys/j-native.ndjson"), into: f)
        let at = Timestamp(rfc3339: "2026-03-20T00:00:00Z")!
        var q = MapQuery()
        q.at = at
        let map = try f.engine.queries.map(q)
        let paths = try f.engine.queries.mapPaths(stage: "consideration", at: at)
        let consideration = map.stages[1]
        #expect(!paths.wentOn.isEmpty && paths.wentOn.allSatisfy { (1...3).contains($0.touchpoints.count) })
        #expect(paths.wentOn.map(\.customers).reduce(0, +) <= consideration.reached - consideration.current)
        #expect(paths.stalled.map(\.customers).reduce(0, +) <= consideration.stalled)
        #expect(throws: StoreError.self) { try f.engine.queries.mapPaths(stage: "nowhere") }

        // Every page together: each journey with a reason, once, in key order.
        var all: [AtRiskPage.AtRisk] = []
        var after: String?
        repeat {
            let page = try f.engine.queries.atRisk(at: at, after: after, limit: 7)
            #expect(page.customers.count <= 7)
            all += page.customers
            after = page.next
        } while after != nil
        #expect(Set(all.map(\.customerId)).count == all.count)
        let stalled = all.filter { $0.reasons.contains("stalled") }
        #expect(Int64(stalled.count) == map.stages.map(\.stalled).reduce(0, +))
        #expect(all.contains { $0.reasons.contains("inactive") } && all.allSatisfy { $0.lastSeen != nil })
        let onlyDecision = try f.engine.queries.atRisk(stage: "decision", reason: "stalled", at: at, limit: 1000)
        #expect(onlyDecision.customers.count == stalled.filter { $0.stage == "decision" }.count)
        #expect(onlyDecision.customers.allSatisfy { $0.lastTouchpoint != nil })
        #expect(throws: StoreError.self) { try f.engine.queries.atRisk(reason: "bored") }
        #expect(throws: StoreError.self) { try f.engine.queries.atRisk(after: "zz") }
    }
}
