public import JourneyCore
public import JourneyStore

/// Everything `journeyctl`'s commands ask of a journey store, whether it is a data folder on
/// this machine (``LocalClient``) or a running server (``RemoteClient``). The commands call
/// this protocol only, so they print the same output in both modes by construction; errors are
/// ``StoreError``s either way (a server's problem `type` is the error's code).
public protocol JourneyClient: Sendable {
    /// Where the store is, for people: `data folder ./data` or `server http://…`.
    var place: String { get }

    // MARK: The log
    /// Appends events all or nothing (see ``EventLog/append(_:expectations:)``).
    func append(_ events: [NewEvent], expectations: [String: ExpectedVersion]) async throws -> AppendResult
    /// Loads NDJSON from a file descriptor in atomic batches (see ``NDJSONIngester``).
    func ingest(fileDescriptor fd: Int32, options: IngestOptions, report: @escaping @Sendable (IngestEvent) -> Void) async throws -> IngestSummary
    /// A page of events as NDJSON lines: of the whole log (`from` a position) or of one
    /// customer's stream (`from` a version), forward or backward.
    func events(customer: String?, from: UInt64?, backward: Bool, limit: Int) async throws -> EventLines
    func statistics() async throws -> StoreStatistics
    func verify(sealed: Bool, progress: (@Sendable (UInt64) -> Void)?) async throws -> VerifyReport

    // MARK: The views
    func customer(_ id: String, asOf: Timestamp?, knownAt: Timestamp?) async throws -> CustomerStateOutput
    func journey(_ id: String, asOf: Timestamp?, knownAt: Timestamp?) async throws -> JourneyOutput
    func funnel() async throws -> FunnelOutput
    /// The journey map (see ``MapOutput``).
    func map(_ query: MapQuery) async throws -> MapOutput
    func mapPaths(stage: String, segment: String?, at: Timestamp?, limit: Int) async throws -> MapPathsOutput
    func atRisk(stage: String?, reason: String?, at: Timestamp?, after: String?, limit: Int) async throws -> AtRiskPage
    func customers(inStage stage: String, after: String?, limit: Int) async throws -> CustomerPage
    func advocates(level: String?, after: String?, limit: Int) async throws -> CustomerPage

    // MARK: Projections and the model
    func projections() async throws -> [ProjectionStatus]
    func faults(limit: Int) async throws -> [ProjectionFault]
    /// Rebuilds `kinds` (journey-history means all) and follows it to the switch.
    func rebuild(_ kinds: [ProjectionKind], progress: (@Sendable ([RebuildProgress]) -> Void)?) async throws -> [RebuildProgress]
    func simulate(_ model: JourneyModel, sampleSize: Int) async throws -> SimulationReport
    func activeModel() async throws -> JourneyModel
    /// Activates a model and follows the rebuild to the switch (empty: it was already active).
    func activate(_ model: JourneyModel, progress: (@Sendable ([RebuildProgress]) -> Void)?) async throws -> [RebuildProgress]

    // MARK: Privacy
    /// Erases a customer. `by` is recorded locally; a server records the token's name instead.
    func erase(_ id: String, by: String?, reason: String?) async throws -> ErasureRecord
    func erasures(customerId: String?) async throws -> [ErasureRecord]

    // MARK: Identities
    /// Merges or unmerges two ids and answers once the views show it. `by` is recorded
    /// locally; a server records the token's name instead.
    func changeIdentity(_ request: IdentityChangeRequest) async throws -> IdentityChangeRecord
    /// The ids linked to `id`, with the record that linked each.
    func identities(of id: String) async throws -> IdentityListing

    /// Closes what the client opened (a local store).
    func close()
}

/// A page of events in their public JSON shape, one a line, and where the next page starts.
public struct EventLines: Sendable, Equatable {
    /// The events, each followed by a newline.
    public var ndjson: [UInt8]
    public var count: Int
    /// The `from` of the next page (a position, or for a stream a version); `nil` at the end.
    public var next: UInt64?

    public init(ndjson: [UInt8], count: Int, next: UInt64?) {
        self.ndjson = ndjson
        self.count = count
        self.next = next
    }
}

/// What a command is going to do, so that a local client opens the folder the right way.
public enum ClientIntent: Sendable {
    /// Read the views: the folder must hold a store, and the views are brought up to date first.
    case readViews
    /// Read the log only (events, statistics, verify, erasures): no catch-up.
    case readLog
    /// Write: the folder and the store are created when missing.
    case write
    /// Write records whose answer reads the views (an erasure, a merge): the folder must hold a
    /// store, and the views are brought up to date first.
    case writeAfterViews

    /// The views are brought up to date before the command runs.
    public var readsViews: Bool { self == .readViews || self == .writeAfterViews }
    /// The command appends to the log (with `--log`: the log's durability settings are checked).
    public var writes: Bool { self == .write || self == .writeAfterViews }
}

/// A merge or unmerge of two ids, as `journeyctl identity merge|unmerge` asks it.
public struct IdentityChangeRequest: Sendable, Equatable {
    public var unmerge: Bool
    public var from: String
    public var into: String
    /// `customer` or `anonymous`; `nil`: the customer by that id if there is one, else the visitor.
    public var fromKind: String?
    public var intoKind: String?
    public var reason: String?
    public var by: String?

    public init(unmerge: Bool, from: String, into: String, fromKind: String? = nil, intoKind: String? = nil, reason: String? = nil, by: String? = nil) {
        self.unmerge = unmerge
        self.from = from
        self.into = into
        self.fromKind = fromKind
        self.intoKind = intoKind
        self.reason = reason
        self.by = by
    }
}
