import Foundation
import JourneyServer
import JourneyStore
import JourneyTestSupport
import Logging

/// A real server on 127.0.0.1 (a free port) over a store in a temporary folder.
final class ServerFixture: @unchecked Sendable {
    let directory = TemporaryDirectory("server")
    let server: JourneyServer
    let running: Task<Void, any Error>
    let client: HTTPTestClient

    init(_ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        var c = ServerConfiguration()
        c.port = 0
        c.dataDirectory = directory.appending("data")
        c.pollIntervalMilliseconds = 20
        c.masterKeyText = Self.masterKey.hex
        configure(&c)
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        let server = try JourneyServer(configuration: c, logger: logger)
        self.server = server
        running = Task { try await server.run(signals: []) }
        client = HTTPTestClient(port: await server.port())
    }

    /// The master key of every fixture's store (encrypted, so erasure works).
    static let masterKey = try! MasterKey(text: ProcessRunner.testMasterKey)

    /// Stops the server gracefully and waits until the store is closed.
    func stop() async throws {
        await server.shutdown()
        try await running.value
    }

    deinit {
        running.cancel()
    }
}
