/// The outcome of ``EventLog/verify(sealed:chunk:progress:)``.
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
    /// Encrypted stores, when seals were checked: sealed records whose properties were opened
    /// under their customer's key (records of erased customers are counted in ``erasedSealed``).
    public var sealsOpened: UInt64 = 0
    /// Sealed records of erased customers: their key is destroyed on purpose (a documented
    /// erasure), so their properties are not expected to open.
    public var erasedSealed: UInt64 = 0
    /// How many sealed records do not open (wrong key, no key, damage).
    public var unreadableCount: UInt64 = 0
    /// The first of them (at most 100), in log order.
    public var unreadable: [UnreadableRecord] = []
    /// Whether sealed records were checked (false for an unencrypted store or `sealed: false`).
    public var sealsChecked = false

    public init(checked: UInt64, head: UInt64, headHash: ChainHash) {
        self.checked = checked
        self.head = head
        self.headHash = headHash
    }

    /// The chain is intact and, when checked, every sealed record opens or was erased.
    public var isValid: Bool { firstBadPosition == nil && unreadableCount == 0 }

    /// A sealed record whose properties do not open.
    public struct UnreadableRecord: Sendable, Equatable, Codable {
        public var position: UInt64
        public var eventId: String
        public var customerId: String
        public var problem: String
    }
}
