import Foundation
import JourneyTestSupport
import Testing

/// Every operation in Schemas/openapi.yaml is called on a running server; its answer must be a
/// status the spec documents for it, with a content type the spec gives for that status.
@Suite struct OpenAPIConformanceTests {
    struct Operation {
        var path: String
        var method: String
        var id: String
        /// Documented status → content types.
        var responses: [String: [String]] = [:]
    }

    /// A small reader for the layout of our spec file (two-space indentation, `$ref` responses).
    static func operations() throws -> [Operation] {
        let text = try String(contentsOfFile: Repository.file("Schemas/openapi.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Shared responses: name → content types.
        var shared: [String: [String]] = [:]
        var inShared = false
        var currentShared: String?
        for l in lines {
            if l == "  responses:" { inShared = true; continue }
            if inShared && l.hasPrefix("  ") && !l.hasPrefix("    ") { inShared = false }
            guard inShared else { continue }
            if l.hasPrefix("    ") && !l.hasPrefix("     ") { currentShared = l.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "") }
            if l.hasPrefix("        ") && !l.hasPrefix("         "), let s = currentShared, l.trimmingCharacters(in: .whitespaces).hasSuffix(":") {
                shared[s, default: []].append(l.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: ""))
            }
        }
        var ops: [Operation] = []
        var path: String?
        var op: Operation?
        var status: String?
        var inPaths = false
        for l in lines {
            if l == "paths:" { inPaths = true; continue }
            if inPaths && !l.hasPrefix(" ") && !l.isEmpty { inPaths = false }
            guard inPaths else { continue }
            let t = l.trimmingCharacters(in: .whitespaces)
            let indent = l.prefix { $0 == " " }.count
            if indent == 2 && t.hasSuffix(":") { path = String(t.dropLast()); continue }
            if indent == 4, ["get:", "post:", "put:", "delete:"].contains(t) {
                if let o = op { ops.append(o) }
                op = Operation(path: path!, method: t.dropLast().uppercased(), id: "")
                continue
            }
            if indent == 6, t.hasPrefix("operationId: ") { op?.id = String(t.dropFirst(13)) }
            if indent == 8, t.hasPrefix("\""), let end = t.dropFirst().firstIndex(of: "\"") {
                status = String(t[t.index(after: t.startIndex)..<end])
                if let ref = t.range(of: "#/components/responses/") {
                    let name = t[ref.upperBound...].prefix { $0.isLetter }
                    op?.responses[status!] = shared[String(name)] ?? []
                } else {
                    op?.responses[status!] = []
                }
            }
            if indent == 12, t.hasSuffix(":"), let s = status, op?.responses[s] != nil, t.contains("/") {
                op?.responses[s]!.append(String(t.dropLast()))
            }
        }
        if let o = op { ops.append(o) }
        return ops
    }

    static let model = try! String(contentsOfFile: Repository.file("Schemas/journey-model.default.json"), encoding: .utf8)

    /// A plausible request per operation (the body and the concrete path).
    static let samples: [String: (path: String, contentType: String?, body: String?)] = [
        "appendEvents": ("/v1/events", "application/json", #"{"customerId":"c1","type":"purchase"}"#),
        "readLog": ("/v1/events?from=1&limit=5", nil, nil),
        "streamLog": ("", nil, nil),
        "appendToCustomer": ("/v1/customers/c1/events", "application/json", #"{"expectedVersion":"exists","events":[{"type":"first_login"}]}"#),
        "readStream": ("/v1/customers/c1/events?limit=2", nil, nil),
        "getCustomer": ("/v1/customers/c1?minPosition=1", nil, nil),
        "eraseCustomer": ("/v1/customers/c1?reason=conformance", nil, nil),
        "listErasures": ("/v1/erasures", nil, nil),
        "getJourney": ("/v1/customers/c1/journey", nil, nil),
        "listIdentities": ("/v1/customers/c1/identities", nil, nil),
        "mergeIdentities": ("/v1/identities/merge", "application/json", #"{"from":"v-1","into":"c1","reason":"conformance"}"#),
        "unmergeIdentities": ("/v1/identities/unmerge", "application/json", #"{"from":"v-1","into":"c1"}"#),
        "segmentBatch": ("/segment/v1/batch", "application/json", #"{"batch":[{"type":"track","userId":"c1","event":"Order Completed","messageId":"conf-1"}]}"#),
        "segmentCall": ("/segment/v1/identify", "application/json", #"{"userId":"c2","anonymousId":"v-2","traits":{"plan":"smb"}}"#),
        "getFunnel": ("/v1/funnel", nil, nil),
        "getMap": ("/v1/map?minSupport=1", nil, nil),
        "getMapPaths": ("/v1/map/paths?stage=decision", nil, nil),
        "listAtRisk": ("/v1/customers/at-risk?limit=5", nil, nil),
        "listStage": ("/v1/stages/onboarding/customers?limit=10", nil, nil),
        "listAdvocates": ("/v1/advocates?limit=10", nil, nil),
        "listProjections": ("/v1/projections", nil, nil),
        "listProjectionFaults": ("/v1/projections/faults?limit=10", nil, nil),
        "limits": ("/v1/limits", nil, nil),
        "rebuildProjection": ("/v1/projections/funnel/rebuild", nil, nil),
        "simulate": ("/v1/simulations", "application/json", model),
        "getModel": ("/v1/model", nil, nil),
        "activateModel": ("/v1/model", "application/json", model),
        "getStats": ("/v1/stats", nil, nil),
        "verify": ("/v1/verify", nil, nil),
        "health": ("/healthz", nil, nil),
        "ready": ("/readyz", nil, nil),
        "metrics": ("/metrics", nil, nil),
        "openapi": ("/openapi.yaml", nil, nil),
        "page": ("/", nil, nil),
        "pageStyle": ("/page/page.css", nil, nil),
        "pageScript": ("/page/page.js", nil, nil),
    ]

    @Test func everyOperationAnswersAsDocumented() async throws {
        let ops = try Self.operations()
        #expect(ops.count == 36, "\(ops.map(\.id))")
        let f = try await ServerFixture()
        for op in ops {
            let sample = try #require(Self.samples[op.id], "no sample request for operation \(op.id): add one")
            #expect(!op.responses.isEmpty, "\(op.id) documents no responses")
            if op.id == "streamLog" {
                let s = try await f.client.stream("/v1/events/stream")
                #expect(op.responses[String(s.status)] != nil && s.headers["content-type"] == "text/event-stream")
                s.close()
                continue
            }
            var headers: [String: String] = [:]
            if let t = sample.contentType { headers["Content-Type"] = t }
            let r = try await f.client.request(op.method, sample.path, headers: headers, body: sample.body.map { Data($0.utf8) })
            let documented = op.responses[String(r.status)]
            #expect(documented != nil, "\(op.method) \(op.path): status \(r.status) is not documented (\(op.responses.keys.sorted())): \(r.text)")
            let type = r.headers["content-type"]?.split(separator: ";").first.map(String.init)
            #expect(documented?.contains(type ?? "") == true, "\(op.method) \(op.path): content type \(type ?? "none") not among \(documented ?? [])")
        }
        try await f.stop()
    }
}
