/// What a backup folder holds (`backup.json` beside the log's `data.mdb` and the views'
/// `views/data.mdb`).
public struct BackupManifest: Sendable, Equatable, Codable {
    /// When the backup was taken.
    public var createdAt: String
    /// The data folder it was taken from.
    public var source: String
    /// The log's head in the backup, and the chain hash there.
    public var headPosition: UInt64
    public var chainHead: String
    /// Bytes of the backup's `data.mdb` (compacted: no free pages).
    public var bytes: Int
    /// Bytes of the backup's `views/data.mdb` (compacted); absent in backups made before the
    /// views had a file of their own.
    public var viewsBytes: Int?
    /// Whether the backup's chain was verified after copying.
    public var verified: Bool
    /// The store format.
    public var format: Int
}
