// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "journey-store",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "journeyctl", targets: ["journeyctl"]),
        .executable(name: "journey-bench", targets: ["journey-bench"]),
        .library(name: "JourneyStore", targets: ["JourneyStore"]),
        .library(name: "JourneyCore", targets: ["JourneyCore"]),
        .library(name: "JourneyServer", targets: ["JourneyServer"]),
        .library(name: "JourneyClient", targets: ["JourneyClient"]),
        .library(name: "JourneyPipelines", targets: ["JourneyPipelines"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // gzip request bodies (Segment's clients send them): zlib, already on the machine.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        // The log on PostgreSQL (issue 17).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The C library, bare: module map + shim header, linked through pkg-config.
        .systemLibrary(
            name: "CLMDB",
            path: "Sources/CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // The only Swift module that touches LMDB's C API.
        .target(name: "LMDBKit", dependencies: ["CLMDB"], swiftSettings: strict),
        // JSON: the scanner, values, object text, property paths, the writer and the Codable output.
        .target(name: "JourneyJSON", swiftSettings: strict),
        // Event model, record codec, append/read, idempotency, integrity chain, group commit.
        .target(
            name: "JourneyStore",
            dependencies: ["LMDBKit", "JourneyJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The log on PostgreSQL: the upstream of each node's LMDB replica (appends under its head lock, LISTEN/NOTIFY).
        .target(
            name: "JourneyPostgres",
            dependencies: ["JourneyStore", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Journey model and rules, folds, projections and their workers, rebuild, time travel, what-if.
        .target(
            name: "JourneyCore", dependencies: ["JourneyStore", "JourneyJSON", "LMDBKit"],
            // A link to Schemas/journey-model.default.json, embedded at build time: no copy to go stale.
            resources: [.embedInCode("Resources/journey-model.default.json")],
            swiftSettings: strict),
        // The events real pipelines emit: Segment's messages and CloudEvents mapped to events.
        .target(
            name: "JourneyPipelines",
            dependencies: ["JourneyStore", "JourneyJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The HTTP API over the store and the views: routes, auth, problem details, metrics, services.
        .target(
            name: "JourneyServer",
            dependencies: [
                "JourneyCore", "JourneyStore", "JourneyJSON", "JourneyPipelines", "JourneyPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // A link to Schemas/openapi.yaml, and the journey-map page's files, embedded at build
            // time: no copy to go stale.
            resources: [
                .embedInCode("Resources/openapi.yaml"),
                .embedInCode("Resources/page/index.html"),
                .embedInCode("Resources/page/page.css"),
                .embedInCode("Resources/page/page.js"),
            ],
            swiftSettings: strict
        ),
        // One client of a journey store for every command: the local libraries, or a server over HTTP.
        .target(
            name: "JourneyClient",
            dependencies: ["JourneyCore", "JourneyStore", "JourneyJSON", "JourneyPipelines", "JourneyPostgres"],
            swiftSettings: strict
        ),
        // The journeyctl commands, as a library so the executable stays a file.
        .target(
            name: "JourneyCLI",
            dependencies: [
                "JourneyClient", "JourneyServer", "JourneyCore", "JourneyStore", "JourneyJSON", "JourneyPipelines", "JourneyPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "journeyctl", dependencies: ["JourneyCLI"], swiftSettings: strict),
        // The HTTP baseline: a bare Hummingbird app answering a fixed string, run beside the server
        // by .ci/http-bench/run so that every HTTP figure has its ratio to the framework's ceiling.
        .executableTarget(
            name: "http-baseline",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: strict),
        .executableTarget(
            name: "journey-bench",
            dependencies: ["JourneyCore", "JourneyStore", "JourneyJSON", "JourneyPostgres", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),

        // Fixtures shared by the test targets: temporary folders, repository paths, child processes.
        .target(name: "JourneyTestSupport", dependencies: ["JourneyStore"], path: "Tests/JourneyTestSupport", swiftSettings: strict),
        .testTarget(name: "LMDBKitTests", dependencies: ["LMDBKit", "JourneyTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "JourneyStoreTests",
            dependencies: ["JourneyStore", "JourneyPostgres", "JourneyTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Support/check_event_schema.py"],
            swiftSettings: strict
        ),
        .testTarget(name: "JourneyPostgresTests", dependencies: ["JourneyPostgres", "JourneyServer", "JourneyCore", "JourneyStore", "JourneyJSON", "JourneyTestSupport",
                                                         .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(
            name: "JourneyPipelinesTests",
            dependencies: ["JourneyPipelines", "JourneyStore", "JourneyJSON", "JourneyTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JourneyCoreTests",
            dependencies: ["JourneyCore", "JourneyStore", "JourneyTestSupport"],
            exclude: ["Support/check_model_schema.py"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JourneyServerTests",
            dependencies: [
                "JourneyServer", "JourneyCore", "JourneyStore", "JourneyTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JourneyClientTests",
            dependencies: ["JourneyClient", "JourneyServer", "JourneyCore", "JourneyStore", "JourneyTestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JourneyCLITests",
            dependencies: ["JourneyCLI", "journeyctl", "JourneyStore", "JourneyTestSupport"],
            swiftSettings: strict
        ),
    ]
)
