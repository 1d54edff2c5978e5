import Foundation
import JourneyJSON
public import JourneyCore
public import JourneyStore

/// The operations of ``JourneyClient`` over the HTTP API.
extension RemoteClient: JourneyClient {
    public func close() {}

    public var place: String { "server          \(base)" }

    // MARK: The log

    public func append(_ events: [NewEvent], expectations: [String: ExpectedVersion]) async throws -> AppendResult {
        var body = Data()
        if expectations.isEmpty {
            body.append(0x5B)
            for (i, e) in events.enumerated() {
                if i > 0 { body.append(0x2C) }
                body.append(contentsOf: e.jsonBytes)
            }
            body.append(0x5D)
            return try await json(AppendResult.self, "POST", "/v1/events", body: body, contentType: "application/json")
        }
        guard expectations.count == 1, let (customer, expected) = expectations.first, events.allSatisfy({ $0.customerId == customer }) else {
            throw StoreError(.invalidArgument, "a server takes an expected version for one customer's events at a time")
        }
        let version: String = switch expected {
        case .exact(let n): String(n)
        default: "\"\(expected.description)\""
        }
        body.append(contentsOf: #"{"expectedVersion":"#.utf8)
        body.append(contentsOf: version.utf8)
        body.append(contentsOf: #","events":["#.utf8)
        for (i, e) in events.enumerated() {
            if i > 0 { body.append(0x2C) }
            body.append(contentsOf: e.jsonBytes)
        }
        body.append(contentsOf: "]}".utf8)
        return try await json(AppendResult.self, "POST", "/v1/customers/\(Self.segment(customer))/events", body: body, contentType: "application/json")
    }

    public func ingest(fileDescriptor fd: Int32, options: IngestOptions, report: @escaping @Sendable (IngestEvent) -> Void) async throws -> IngestSummary {
        if options.keepRecordedAt {
            throw StoreError(.invalidArgument, "--keep-recorded-at applies to a local data folder, not to --server")
        }
        let limits = try await json(RequestLimits.self, "GET", "/v1/limits")
        let appender = RemoteAppender(client: self, limits: limits)
        return try await NDJSONIngester(log: appender, options: options).ingest(fileDescriptor: fd, report: report)
    }

    public func events(customer: String?, from: UInt64?, backward: Bool, limit: Int) async throws -> EventLines {
        let path = customer.map { "/v1/customers/\(Self.segment($0))/events" } ?? "/v1/events"
        var query: [(String, String?)] = [("limit", String(limit)), ("from", from.map(String.init))]
        if backward { query.append(("backward", "true")) }
        let reply = try await send("GET", path, query: query, accept: "application/x-ndjson")
        let lines = reply.body.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        return EventLines(ndjson: Array(reply.body), count: lines, next: reply.headers["journey-next"].flatMap(UInt64.init))
    }

    public func statistics() async throws -> StoreStatistics { try await json(StoreStatistics.self, "GET", "/v1/stats") }

    public func verify(sealed: Bool, progress: (@Sendable (UInt64) -> Void)?) async throws -> VerifyReport {
        try await json(VerifyReport.self, "POST", "/v1/verify", query: [("sealed", sealed ? nil : "false")])
    }

    // MARK: The views

    public func customer(_ id: String, asOf: Timestamp?, knownAt: Timestamp?) async throws -> CustomerStateOutput {
        try await json(CustomerStateOutput.self, "GET", "/v1/customers/\(Self.segment(id))",
                       query: [("asOf", asOf?.rfc3339), ("knownAt", knownAt?.rfc3339)])
    }

    public func journey(_ id: String, asOf: Timestamp?, knownAt: Timestamp?) async throws -> JourneyOutput {
        try await json(JourneyOutput.self, "GET", "/v1/customers/\(Self.segment(id))/journey",
                       query: [("asOf", asOf?.rfc3339), ("knownAt", knownAt?.rfc3339)])
    }

    public func funnel() async throws -> FunnelOutput { try await json(FunnelOutput.self, "GET", "/v1/funnel") }

    public func map(_ q: MapQuery) async throws -> MapOutput {
        let d = MapQuery()
        var query: [(String, String?)] = [("segment", q.segment), ("from", q.from?.rfc3339), ("to", q.to?.rfc3339), ("at", q.at?.rfc3339)]
        if q.minSupport != d.minSupport { query.append(("minSupport", String(q.minSupport))) }
        if q.painSentiment != d.painSentiment { query.append(("painSentiment", String(q.painSentiment))) }
        if q.painLift != d.painLift { query.append(("painLift", String(q.painLift))) }
        if q.touchpoints != d.touchpoints { query.append(("touchpoints", String(q.touchpoints))) }
        if q.moments != d.moments { query.append(("moments", String(q.moments))) }
        return try await json(MapOutput.self, "GET", "/v1/map", query: query)
    }

    public func mapPaths(stage: String, segment: String?, at: Timestamp?, limit: Int) async throws -> MapPathsOutput {
        try await json(MapPathsOutput.self, "GET", "/v1/map/paths", query: [("stage", stage), ("segment", segment), ("at", at?.rfc3339), ("limit", String(limit))])
    }

    public func atRisk(stage: String?, reason: String?, at: Timestamp?, after: String?, limit: Int) async throws -> AtRiskPage {
        try await json(AtRiskPage.self, "GET", "/v1/customers/at-risk",
                       query: [("stage", stage), ("reason", reason), ("at", at?.rfc3339), ("after", after), ("limit", String(limit))])
    }

    public func customers(inStage stage: String, after: String?, limit: Int) async throws -> CustomerPage {
        try await json(CustomerPage.self, "GET", "/v1/stages/\(Self.segment(stage))/customers", query: [("after", after), ("limit", String(limit))])
    }

    public func advocates(level: String?, after: String?, limit: Int) async throws -> CustomerPage {
        try await json(CustomerPage.self, "GET", "/v1/advocates", query: [("level", level), ("after", after), ("limit", String(limit))])
    }

    // MARK: Projections and the model

    public func projections() async throws -> [ProjectionStatus] { try await json([ProjectionStatus].self, "GET", "/v1/projections") }

    public func faults(limit: Int) async throws -> [ProjectionFault] {
        try await json([ProjectionFault].self, "GET", "/v1/projections/faults", query: [("limit", String(limit))])
    }

    public func rebuild(_ kinds: [ProjectionKind], progress: (@Sendable ([RebuildProgress]) -> Void)?) async throws -> [RebuildProgress] {
        let all = Set(kinds) == Set(ProjectionKind.allCases) || kinds.contains(.journeyHistory)
        let name = all ? "all" : kinds[0].rawValue
        return try await followRebuild("POST", "/v1/projections/\(name)/rebuild", body: nil, kinds: all ? ProjectionKind.allCases : kinds, progress: progress)
    }

    public func simulate(_ model: JourneyModel, sampleSize: Int) async throws -> SimulationReport {
        try await json(SimulationReport.self, "POST", "/v1/simulations", query: [("sample", String(sampleSize))],
                       body: Data(model.document.utf8), contentType: "application/json")
    }

    public func activeModel() async throws -> JourneyModel {
        let reply = try await send("GET", "/v1/model")
        do {
            return try JourneyModel.parse(String(decoding: reply.body, as: UTF8.self))
        } catch {
            throw StoreError(.corrupt, "the server's active model does not parse: \(error)")
        }
    }

    public func activate(_ model: JourneyModel, progress: (@Sendable ([RebuildProgress]) -> Void)?) async throws -> [RebuildProgress] {
        try await followRebuild("PUT", "/v1/model", body: Data(model.document.utf8), kinds: ProjectionKind.allCases, progress: progress)
    }

    // MARK: Privacy

    public func erase(_ id: String, by: String?, reason: String?) async throws -> ErasureRecord {
        try await json(ErasureRecord.self, "DELETE", "/v1/customers/\(Self.segment(id))", query: [("reason", reason)])
    }

    public func erasures(customerId: String?) async throws -> [ErasureRecord] {
        struct Listing: Decodable { var erasures: [ErasureRecord] }
        return try await json(Listing.self, "GET", "/v1/erasures", query: [("customerId", customerId)]).erasures
    }

    // MARK: Identities

    public func changeIdentity(_ request: IdentityChangeRequest) async throws -> IdentityChangeRecord {
        var body: [String: String] = ["from": request.from, "into": request.into]
        body["reason"] = request.reason
        body["fromKind"] = request.fromKind
        body["intoKind"] = request.intoKind
        let data = JSONOutput.data(body)
        return try await json(IdentityChangeRecord.self, "POST", request.unmerge ? "/v1/identities/unmerge" : "/v1/identities/merge",
                              body: data, contentType: "application/json")
    }

    public func identities(of id: String) async throws -> IdentityListing {
        try await json(IdentityListing.self, "GET", "/v1/customers/\(Self.segment(id))/identities")
    }

    // MARK: Following a rebuild

    /// Starts a rebuild (or model activation) with one request, then follows `GET
    /// /v1/projections` until every projection involved has switched to a new generation.
    /// A `200` answer means nothing was to be done (the model was already active).
    private func followRebuild(_ method: String, _ path: String, body: Data?, kinds: [ProjectionKind],
                               progress: (@Sendable ([RebuildProgress]) -> Void)?) async throws -> [RebuildProgress] {
        let before = try await projections()
        let start = Dictionary(uniqueKeysWithValues: before.map { ($0.name, $0.generation) })
        let reply = try await send(method, path, body: body, contentType: body == nil ? nil : "application/json")
        if reply.status == 200 { return [] }
        let names = Set(kinds.map(\.rawValue))
        while true {
            try await Task.sleep(for: .milliseconds(200))
            let now = try await projections().filter { names.contains($0.name) }
            let running = now.compactMap(\.rebuild)
            if !running.isEmpty { progress?(running) }
            if now.allSatisfy({ $0.generation > (start[$0.name] ?? 0) && $0.rebuild == nil }) {
                return now.map {
                    RebuildProgress(name: $0.name, generation: $0.generation, modelVersion: $0.modelVersion, checkpoint: $0.checkpoint,
                                    head: $0.head, fraction: 1, eventsPerSecond: 0, etaSeconds: nil, switched: true)
                }
            }
            if let error = now.compactMap(\.lastError).first, now.allSatisfy({ $0.rebuild == nil }) {
                throw StoreError(.storage, "the rebuild stopped on the server: \(error)")
            }
        }
    }
}
