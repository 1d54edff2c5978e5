import Crypto
import Foundation

/// The store's master key: 32 random bytes kept outside the data folder (a file, or the
/// `JOURNEY_MASTER_KEY` environment variable), written as 64 hex digits or base64.
///
/// It never encrypts data itself: it wraps each customer's data key (see ``CustomerKeys``) and
/// signs a check value in the store's metadata, so that a wrong key is refused before anything
/// is read or written. Losing it makes every encrypted `properties` unreadable.
public struct MasterKey: Sendable, Equatable {
    let key: SymmetricKey

    /// A key from its text form: 64 hex digits or base64 of 32 bytes (surrounding white space
    /// ignored). The message of the error says which form was expected.
    public init(text: String) throws(StoreError) {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var bytes: [UInt8]?
        if t.count == 64, t.allSatisfy(\.isHexDigit) {
            var out: [UInt8] = []
            var i = t.startIndex
            while i < t.endIndex {
                let j = t.index(i, offsetBy: 2)
                out.append(UInt8(t[i..<j], radix: 16)!)
                i = j
            }
            bytes = out
        } else if let d = Data(base64Encoded: t) {
            bytes = Array(d)
        }
        guard let bytes, bytes.count == 32 else {
            throw StoreError(.masterKeyInvalid, "a master key is 32 bytes written as 64 hex digits or base64 (got \(t.isEmpty ? "an empty value" : "\(t.count) characters that are neither")); make one with journeyctl keygen")
        }
        key = SymmetricKey(data: bytes)
    }

    /// Reads a key file (see ``init(text:)``). Refuses a file that any user can read or change
    /// (mode `o+r`/`o+w`, of the file a symlink points to); group read is allowed (Kubernetes secret volumes with `fsGroup`). With
    /// `dataDirectory`, also refuses a file inside that folder: a copy of the folder would carry
    /// the key along with the data it protects.
    public init(file path: String, dataDirectory: String? = nil) throws(StoreError) {
        if let dataDirectory {
            let folder = URL(fileURLWithPath: dataDirectory).standardizedFileURL.resolvingSymlinksInPath().path
            let file = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            if file.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") {
                throw StoreError(.masterKeyInvalid, "the master key file \(path) is inside the data folder \(dataDirectory); keep it outside (e.g. /etc/journey/master.key), or a copy of the folder carries the key along with the data")
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.masterKeyInvalid, "cannot read the master key file \(path)")
        }
        // The mode of the file itself, through any symlinks (stat, not lstat): a Kubernetes
        // Secret volume mounts `master.key -> ..data/master.key`, and a link's own mode is 0777.
        var info = stat()
        if stat(path, &info) == 0 {
            let mode = Int(info.st_mode) & 0o777
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let shown = target == path ? path : "\(path) (\(target))"
            if mode & 0o004 != 0 {
                throw StoreError(.masterKeyInvalid, "the master key file \(shown) can be read by any user (mode \(String(mode, radix: 8))); chmod 600 it")
            }
            if mode & 0o002 != 0 {
                throw StoreError(.masterKeyInvalid, "the master key file \(shown) can be changed by any user (mode \(String(mode, radix: 8))); chmod 600 it")
            }
        }
        do throws(StoreError) {
            try self.init(text: String(decoding: data, as: UTF8.self))
        } catch {
            throw StoreError(.masterKeyInvalid, "\(path): \(error.message)")
        }
    }

    public static func == (a: MasterKey, b: MasterKey) -> Bool { a.key == b.key }

    /// A new random key.
    public static func generate() -> MasterKey { MasterKey(key: SymmetricKey(size: .bits256)) }

    private init(key: SymmetricKey) { self.key = key }

    /// The key as 64 hex digits (what a key file holds).
    public var hex: String { key.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() } }

    /// A key derived for one purpose (HKDF-SHA256), so that no two uses share a key.
    func derive(_ purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: Array("journey-store".utf8), info: Array(purpose.utf8), outputByteCount: 32)
    }

    /// A short public fingerprint, stored beside the check value to name the expected key.
    var fingerprint: String {
        let d = SHA256.hash(data: derive("fingerprint").withUnsafeBytes { Array($0) })
        return d.prefix(6).map { String(format: "%02x", $0) }.joined()
    }
}

extension MasterKey {
    /// The master key from where a process is told to find it: a key file (``init(file:dataDirectory:)``),
    /// else the key's text (`JOURNEY_MASTER_KEY`), else none. The one way every entry point
    /// (the CLI, the server) loads it.
    public static func load(file: String?, text: String?, dataDirectory: String?) throws(StoreError) -> MasterKey? {
        if let file, !file.isEmpty { return try MasterKey(file: file, dataDirectory: dataDirectory) }
        if let text, !text.isEmpty {
            do {
                return try MasterKey(text: text)
            } catch {
                throw StoreError(.masterKeyInvalid, "JOURNEY_MASTER_KEY: \(error.message)")
            }
        }
        return nil
    }
}
