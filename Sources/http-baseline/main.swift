import Hummingbird

// A bare Hummingbird app with one route answering a fixed string: the ceiling the journey
// server's HTTP figures are compared with (.ci/http-bench/run). `http-baseline [PORT]`.
let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 18283
let router = Router()
router.get("/healthz") { _, _ in "{\"status\":\"ok\"}" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
