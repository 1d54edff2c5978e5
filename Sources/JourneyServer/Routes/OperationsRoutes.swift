import Hummingbird
import JourneyCore
import JourneyStore

/// Health, readiness, metrics, the OpenAPI document, statistics, verify.
enum OperationsRoutes {
    struct Readiness: Encodable {
        var ready: Bool
        var lag: UInt64
        var threshold: UInt64
        var detail: String
    }

    static func add(to router: Router<JourneyRequestContext>, state: ServerState) {
        router.get("/healthz") { _, _ -> Response in
            JSONResponse.raw(Array(#"{"status":"ok"}"#.utf8))
        }

        router.get("/readyz") { _, _ -> Response in
            let threshold = state.configuration.readyLagThreshold
            do {
                // The projection checks `journeyctl doctor` runs: ready while none is behind.
                let statuses = try state.engine.queries.status()
                let lag = statuses.map(\.lag).max() ?? 0
                let behind = StoreDoctor.projectionChecks(statuses, lagThreshold: threshold).filter { $0.status != .ok && $0.name != "projection faults" }
                let ready = lag <= threshold
                let detail = ready ? "store open; projections within the lag threshold" : behind.map { "\($0.name): \($0.detail)" }.joined(separator: "; ")
                return JSONResponse.make(Readiness(ready: ready, lag: lag, threshold: threshold, detail: detail),
                                         status: ready ? .ok : .serviceUnavailable)
            } catch {
                return JSONResponse.make(Readiness(ready: false, lag: 0, threshold: threshold, detail: "store unavailable: \(error)"), status: .serviceUnavailable)
            }
        }

        router.get("/metrics") { _, _ -> Response in
            JSONResponse.raw(state.metrics.render(store: state.store, engine: state.engine), contentType: "text/plain; version=0.0.4")
        }

        let spec = ByteBuffer(bytes: PackageResources.openapi_yaml)  // built once; each answer shares its storage
        router.get("/openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: spec))
        }

        router.scoped(.read).get("/v1/limits") { _, _ -> Response in
            JSONResponse.make(RequestLimits(maxEventBytes: state.configuration.maxEventBytes, maxBodyBytes: state.configuration.maxBodyBytes))
        }

        router.scoped(.read).get("/v1/stats") { _, _ -> Response in
            JSONResponse.make(try state.store.statistics())
        }

        router.scoped(.read).post("/v1/verify") { request, _ -> Response in
            let sealed = try boolean(request, "sealed") ?? true
            return JSONResponse.make(try await BlockingWork.run { try state.store.verify(sealed: sealed, chunk: 20_000, progress: nil) })
        }
    }
}
