import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Creating folders that hold customers' data: mode 0700 (owner only), whatever the umask.
enum PrivateFolder {
    /// Creates `path` (and missing parents, with the default mode) as an owner-only folder.
    static func create(_ path: String) throws(StoreError) {
        let fm = FileManager.default
        let parent = parentFolder(of: path)
        do {
            if !parent.isEmpty && !fm.fileExists(atPath: parent) {
                try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            }
        } catch {
            throw StoreError(.storage, "cannot create \(parent): \(error.localizedDescription)")
        }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw StoreError(.storage, "cannot create the folder \(path): \(String(cString: strerror(errno)))")
        }
        _ = chmod(path, 0o700)
    }

    /// The folder `path` is in: `""` for a bare name (`data`), `/` for a top-level folder.
    /// (Written out: Foundation's `deletingLastPathComponent` traps on a bare name in 6.3.)
    static func parentFolder(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return "/" }
        var parent = p[..<slash]
        while parent.count > 1 && parent.hasSuffix("/") { parent.removeLast() }
        return String(parent)
    }
}
