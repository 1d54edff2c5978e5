/// The outcome of ``EventStore/verify(chunk:progress:)``.
public struct VerifyReport: Sendable, Equatable {
    /// Records checked (all of them when ``isValid``).
    public var checked: UInt64
    /// The last position in the log.
    public var head: UInt64
    /// The chain hash of the last good record.
    public var headHash: ChainHash
    /// The first position whose key, encoding or chain is wrong (or head + 1 when the chain
    /// head recorded in the metadata disagrees with the log).
    public var firstBadPosition: UInt64?
    /// What is wrong there.
    public var problem: String?

    public var isValid: Bool { firstBadPosition == nil }
}
