import CLMDB

/// An error reported by LMDB, with LMDB's own code and message.
///
/// `code` is LMDB's return code (negative for LMDB's own errors such as `MDB_MAP_FULL`,
/// positive for `errno` values such as `ENOSPC` or `EIO`). `operation` names the C call
/// that failed, so a message reads like "mdb_txn_commit: No space left on device (28)".
public struct LMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// LMDB's return code.
    public let code: Int32
    /// The C function that returned the code.
    public let operation: String

    /// When the failure was a write to a file system that is full (or nearly): the folder
    /// and the bytes left on it, so the message can say so instead of "Input/output error".
    public var diskFull: (path: String, freeBytes: Int)?

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public static func == (a: LMDBError, b: LMDBError) -> Bool {
        a.code == b.code && a.operation == b.operation && a.diskFull?.path == b.diskFull?.path && a.diskFull?.freeBytes == b.diskFull?.freeBytes
    }

    /// LMDB's description of `code` (`mdb_strerror`).
    public var message: String { String(cString: mdb_strerror(code)) }

    public var description: String {
        if let full = diskFull {
            return "\(operation): the disk holding \(full.path) is full (\(full.freeBytes) bytes free; LMDB reported \(message) (\(code))). "
                + "Nothing of this write was kept; free space or grow the volume, then retry"
        }
        if code == MDB_MAP_FULL {
            return "\(operation): the store reached its maximum size (\(message)); raise the maximum map size or archive old data"
        }
        return "\(operation): \(message) (\(code))"
    }

    /// The map (the memory-mapped file's address range) is full; the environment grows it.
    public var isMapFull: Bool { code == MDB_MAP_FULL }
    /// Another process grew the map; the environment adopts the new size and retries.
    public var isMapResized: Bool { code == MDB_MAP_RESIZED }
    /// The key was not found.
    public var isNotFound: Bool { code == MDB_NOTFOUND }
    /// The key already exists (a put with `noOverwrite`).
    public var isKeyExists: Bool { code == MDB_KEYEXIST }

    public static let notFoundCode = MDB_NOTFOUND
    public static let mapFullCode = MDB_MAP_FULL
}

@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws {
    if rc != 0 { throw LMDBError(code: rc, operation: operation()) }
}
