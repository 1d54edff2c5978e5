// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "journey-store",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "journeyctl", targets: ["journeyctl"]),
        .executable(name: "journey-bench", targets: ["journey-bench"]),
        .library(name: "JourneyStore", targets: ["JourneyStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
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
        // Event model, record codec, append/read, idempotency, integrity chain, group commit.
        .target(
            name: "JourneyStore",
            dependencies: ["LMDBKit", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Journey model and rules, folds, projections and their workers, rebuild, time travel, what-if.
        .target(name: "JourneyCore", dependencies: ["JourneyStore", "LMDBKit"], swiftSettings: strict),
        // The journeyctl commands, as a library so the executable stays a file.
        .target(
            name: "JourneyCLI",
            dependencies: ["JourneyCore", "JourneyStore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(name: "journeyctl", dependencies: ["JourneyCLI"], swiftSettings: strict),
        .executableTarget(name: "journey-bench", dependencies: ["JourneyCore", "JourneyStore"], swiftSettings: strict),

        // Fixtures shared by the test targets: temporary folders, repository paths, child processes.
        .target(name: "JourneyTestSupport", path: "Tests/JourneyTestSupport", swiftSettings: strict),
        .testTarget(name: "LMDBKitTests", dependencies: ["LMDBKit", "JourneyTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "JourneyStoreTests",
            dependencies: ["JourneyStore", "JourneyTestSupport"],
            exclude: ["Support/check_event_schema.py"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JourneyCoreTests",
            dependencies: ["JourneyCore", "JourneyStore", "JourneyTestSupport"],
            exclude: ["Support/check_model_schema.py"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JourneyCLITests",
            dependencies: ["JourneyCLI", "journeyctl", "JourneyStore", "JourneyTestSupport"],
            swiftSettings: strict
        ),
    ]
)
