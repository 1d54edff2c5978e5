public import Foundation

/// The outcome of a finished child process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Whether the process was killed by a signal.
    public var signaled: Bool
}

/// Runs executables as a person would: arguments, optional standard input, captured output.
public enum ProcessRunner {
    /// Writing to a child that died must be an error, not a SIGPIPE that ends the test run.
    public static let ignoreBrokenPipes: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    /// The master key every child `journeyctl` gets (`JOURNEY_MASTER_KEY`) unless a test
    /// overrides it: stores made by the CLI in tests are encrypted, as in production.
    public static let testMasterKey = "6a6f75726e65792d73746f72652d746573742d6d61737465722d6b65792d3031"

    /// This process's environment, plus the test master key, plus `extra` (which wins; an empty
    /// value removes the variable).
    public static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["JOURNEY_MASTER_KEY"] = testMasterKey
        for (k, v) in extra { env[k] = v.isEmpty ? nil : v }
        return env
    }

    /// Runs `executable` to completion and returns its exit status and output.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil,
                           environment: [String: String] = [:], directory: String? = nil) throws -> ProcessResult {
        ProcessRunner.ignoreBrokenPipes
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        p.environment = Self.environment(environment)
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        BlockingThread.start { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        BlockingThread.start { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        p.waitUntilExit()
        group.wait()
        return ProcessResult(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), signaled: p.terminationReason == .uncaughtSignal)
    }

    /// Runs the built `journeyctl` with `arguments`.
    @discardableResult
    public static func journeyctl(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:],
                                  directory: String? = nil) throws -> ProcessResult {
        try run(Repository.journeyctl, arguments, stdin: stdin, environment: environment, directory: directory)
    }
}
