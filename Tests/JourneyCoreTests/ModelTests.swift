import Foundation
@testable import JourneyCore
import JourneyStore
import JourneyTestSupport
import Testing
import JourneyJSON

@Suite struct ModelTests {
    @Test func defaultModelMatchesTheShippedFile() throws {
        let shipped = try String(contentsOfFile: Repository.file("Schemas/journey-model.default.json"), encoding: .utf8)
        let parsed = try JourneyModel.parse(shipped)
        #expect(parsed == JourneyModel.defaultModel)
        #expect(parsed.stages == ["awareness", "consideration", "decision", "onboarding", "retention", "advocacy"])
        #expect(parsed.advocacy.levels.map(\.id) == ["promoter", "advocate", "champion"])
    }

    @Test func schemaAcceptsTheDefaultModelAndRejectsBrokenOnes() throws {
        let script = Repository.file("Tests/JourneyCoreTests/Support/check_model_schema.py")
        let r = try ProcessRunner.run("/usr/bin/env", ["python3", script, Repository.root])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }

    func error(_ mutate: (inout [String: Any]) -> Void) throws -> ModelError? {
        var doc = try JSONSerialization.jsonObject(with: Data(JourneyModel.defaultDocument.utf8)) as! [String: Any]
        mutate(&doc)
        let text = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
        do {
            _ = try JourneyModel.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func aWrongModelIsRefusedNamingTheJSONPath() throws {
        var e = try error { d in
            var rules = d["rules"] as! [[String: Any]]
            rules[3]["stage"] = "onbording"
            d["rules"] = rules
        }
        #expect(e?.path == "$.rules[3].stage")
        #expect(e?.message.contains("unknown stage \"onbording\"") == true)
        e = try error { d in d["stages"] = ["a", "b", "a"] }
        #expect(e?.path == "$.stages[2]")
        e = try error { d in d["ruleMatching"] = "best" }
        #expect(e?.path == "$.ruleMatching")
        e = try error { d in d["rulez"] = [] }
        #expect(e?.path == "$.rulez")
        #expect(e?.message.contains("unknown key") == true)
        e = try error { d in d.removeValue(forKey: "version") }
        #expect(e?.path == "$.version")
        e = try error { d in
            var rules = d["rules"] as! [[String: Any]]
            rules[5]["match"] = ["type": "review_posted", "properties": [["path": "rating", "op": "~", "value": 4]]]
            d["rules"] = rules
        }
        #expect(e?.path == "$.rules[5].match.properties[0].op")
        e = try error { d in
            var adv = d["advocacy"] as! [String: Any]
            var levels = adv["levels"] as! [[String: Any]]
            levels[0]["when"] = [["metric": "csat", "op": ">=", "value": 9]]
            adv["levels"] = levels
            d["advocacy"] = adv
        }
        #expect(e?.path == "$.advocacy.levels[0].when[0].metric")
        e = try error { d in
            var adv = d["advocacy"] as! [String: Any]
            var levels = adv["levels"] as! [[String: Any]]
            levels[2]["when"] = [["actions": ["withinDays": 0], "op": ">=", "value": 3]]
            adv["levels"] = levels
            d["advocacy"] = adv
        }
        #expect(e?.path == "$.advocacy.levels[2].when[0].actions.withinDays")
        #expect(throws: ModelError.self) { try JourneyModel.parse("{not json") }
    }

    @Test func segmentsAndInactiveDaysAreParsedAndChecked() throws {
        var doc = try JSONSerialization.jsonObject(with: Data(JourneyModel.defaultDocument.utf8)) as! [String: Any]
        doc["segments"] = [
            ["id": "pro", "name": "Pro plan", "criteria": [["trait": "plan", "op": "equals", "value": "pro"]]],
            ["id": "big", "criteria": [["trait": "seats", "op": ">=", "value": 50], ["trait": "region", "op": "oneOf", "value": ["emea", "apac"]]]],
        ]
        doc["inactiveDays"] = 45
        let m = try JourneyModel.parse(String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))
        #expect(m.segments.map(\.id) == ["pro", "big"] && m.segments[1].name == "big" && m.segments[1].criteria.count == 2)
        #expect(m.segments[0].criteria[0].op == .equals && m.inactiveDays == 45)
        #expect(try JourneyModel.parse(JourneyModel.defaultDocument).inactiveDays == 30)
        let cases: [(Any, String)] = [
            ([["id": "all", "criteria": [["trait": "plan", "op": "exists", "value": true]]]], "$.segments[0].id"),
            ([["id": "a", "criteria": []]], "$.segments[0].criteria"),
            ([["id": "a", "criteria": [["trait": "plan", "op": "~", "value": 1]]]], "$.segments[0].criteria[0].op"),
            ([["id": "a", "criteria": [["trait": "seats", "op": ">", "value": "many"]]]], "$.segments[0].criteria[0].value"),
            ([["id": "a", "criteria": [["trait": "plan", "op": "oneOf", "value": "pro"]]]], "$.segments[0].criteria[0].value"),
            ([["id": "a", "criteria": [["trait": "plan", "op": "exists", "value": true]]], ["id": "a", "criteria": [["trait": "x", "op": "exists", "value": true]]]], "$.segments[1].id"),
            ([["id": "a", "criteria": [["trait": "plan", "op": "exists", "value": true]], "color": "red"]], "$.segments[0].color"),
        ]
        for (segments, path) in cases {
            let e = try error { d in d["segments"] = segments }
            #expect(e?.path == path, "\(segments): \(String(describing: e))")
        }
        #expect(try error { d in d["inactiveDays"] = 0 }?.path == "$.inactiveDays")
    }

    @Test func activatingAWrongModelChangesNothing() async throws {
        let f = try JourneyFixture()
        try await f.append([ev("a", "purchase", day: 1)])
        let before = try f.engine.queries.activeModel()
        #expect(throws: ModelError.self) { try JourneyModel.parse(#"{"name":"x","version":"2","stages":[],"rules":[],"advocacy":{}}"#) }
        #expect(try f.engine.queries.activeModel() == before)
    }
}
