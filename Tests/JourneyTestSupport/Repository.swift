import Foundation

/// Paths in the repository and the build, for tests that read shipped files or run binaries.
public enum Repository {
    /// The repository's root folder.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    /// A file under the root.
    public static func file(_ relative: String) -> String { root + "/" + relative }

    /// The folder holding the built products (next to the running test binary).
    public static let productsDirectory: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // On Linux the test binary is <products>/<package>PackageTests.xctest.
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("journeyctl").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }()

    /// The built `journeyctl`.
    public static var journeyctl: String { productsDirectory + "/journeyctl" }
}
