import Foundation
import Hummingbird
import JourneyCore
import JourneyPostgres
import JourneyStore

/// Projections, rebuilds, what-if, the journey model.
enum ProjectionRoutes {
    struct Accepted: Encodable {
        var accepted: Bool
        var projections: [String]
        var modelVersion: String?
        var detail: String
    }

    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        router.scoped(.read).get("/v1/projections") { _, _ -> Response in
            JSONResponse.make(try state.engine.queries.status())
        }

        router.scoped(.read).get("/v1/projections/faults") { request, _ -> Response in
            let after = try integer(request, "after") ?? 0
            let limit = Int(try integer(request, "limit", min: 1, max: 1000) ?? 100)
            return JSONResponse.make(try state.engine.queries.faults(after: after, limit: limit))
        }

        router.scoped(.admin).post("/v1/projections/:name/rebuild") { _, context -> Response in
            let name = try pathParameter(context, "name")
            let kinds: [ProjectionKind]
            if name == "all" {
                kinds = ProjectionKind.allCases
            } else if let kind = ProjectionKind(rawValue: name) {
                kinds = kind == .journeyHistory ? ProjectionKind.allCases : [kind]
            } else {
                throw APIError.notFound("unknown projection \(name) (expected all, \(ProjectionKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            try refuseIfRebuilding(kinds, state: state)
            startRebuild(kinds, model: nil, state: state)
            return JSONResponse.make(
                Accepted(accepted: true, projections: kinds.map(\.rawValue), modelVersion: nil,
                         detail: "rebuilding into a new generation; follow it with GET /v1/projections"),
                status: .accepted)
        }

        router.scoped(.read).post("/v1/simulations") { request, _ -> Response in
            let sample = Int(try integer(request, "sample", max: 1000) ?? 20)
            let model = try await readModel(request, state: state)
            let report = try await BlockingWork.run { try state.engine.queries.simulate(model, sampleSize: sample) }
            return JSONResponse.make(report)
        }

        router.scoped(.read).get("/v1/model") { _, _ -> Response in
            JSONResponse.raw(Array(try state.engine.queries.activeModel().document.utf8))
        }

        router.scoped(.admin).put("/v1/model") { request, _ -> Response in
            let model = try await readModel(request, state: state)
            let active = try state.engine.queries.activeModel()
            let isActive = active.version == model.version
            if isActive {
                guard active.document == model.document else {
                    throw APIError(.conflict, "conflict", "model version \(model.version) is active with different content; give the new document a new version")
                }
            } else {
                try refuseIfRebuilding(ProjectionKind.allCases, state: state)
            }
            if let upstream = state.upstream {
                // The model of every node: shared through the log; each node's ModelFollower
                // rebuilds under it (this one's rebuild starts here).
                guard try await upstream.shareModel(model.document, version: model.version) else {
                    throw APIError(.conflict, "conflict", "model version \(model.version) was shared with the cluster with different content; give the new document a new version")
                }
            }
            if isActive {
                return JSONResponse.make(Accepted(accepted: true, projections: [], modelVersion: model.version, detail: "this model is already active"))
            }
            startRebuild(ProjectionKind.allCases, model: model, state: state)
            return JSONResponse.make(
                Accepted(accepted: true, projections: ProjectionKind.allCases.map(\.rawValue), modelVersion: model.version,
                         detail: state.upstream == nil
                            ? "valid; rebuilding every projection under it, active when they switch (GET /v1/projections)"
                            : "valid; shared with every node of the cluster, each rebuilding every projection under it, active on each when its projections switch (GET /v1/projections)"),
                status: .accepted)
        }
    }

    static func readModel(_ request: Request, state: ServerState) async throws -> JourneyModel {
        try requireJSON(request)
        let body = try await state.body(of: request)
        return try JourneyModel.parse(String(buffer: body))
    }

    static func refuseIfRebuilding(_ kinds: [ProjectionKind], state: ServerState) throws {
        let busy = state.engine.rebuilder.rebuildingKinds.intersection(kinds)
        if !busy.isEmpty {
            throw APIError(.conflict, "conflict", "a rebuild of \(busy.map(\.rawValue).sorted().joined(separator: ", ")) is already running")
        }
        if let running = try state.engine.queries.status().first(where: { kinds.map(\.rawValue).contains($0.name) && $0.rebuild != nil }) {
            throw APIError(.conflict, "conflict", "projection \(running.name) is being rebuilt (by another process)")
        }
    }

    static func startRebuild(_ kinds: [ProjectionKind], model: JourneyModel?, state: ServerState) {
        state.background.start {
            do {
                _ = try await BlockingWork.run {
                    if let model { try state.engine.rebuilder.activate(model) } else { try state.engine.rebuilder.rebuild(kinds) }
                }
                state.logger.info("rebuild of \(kinds.map(\.rawValue).joined(separator: ", ")) finished\(model.map { " under model \($0.version)" } ?? "")")
            } catch {
                state.logger.error("rebuild of \(kinds.map(\.rawValue).joined(separator: ", ")) stopped: \(error)")
            }
        }
    }
}
