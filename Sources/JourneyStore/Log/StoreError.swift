import LMDBKit

/// An error from the journey store: a stable machine-readable ``code`` and a human message.
///
/// The HTTP edge maps codes to statuses; the CLI maps them to exit codes. Client mistakes
/// (`invalid_event`, `wrong_expected_version`, `event_id_conflict`, `not_found`) never mean
/// anything was written. `storage_error` carries LMDB's code and message in ``lmdbCode``.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable error code, e.g. `invalid_event`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An event failed validation; ``StoreError/field`` (and for files ``StoreError/line``) say where.
        public static let invalidEvent = Code(rawValue: "invalid_event")
        /// An optimistic-concurrency check failed; nothing was written.
        public static let wrongExpectedVersion = Code(rawValue: "wrong_expected_version")
        /// An event id already in the log was sent again with different content.
        public static let eventIdConflict = Code(rawValue: "event_id_conflict")
        /// The thing asked for does not exist (customer, event, store folder).
        public static let notFound = Code(rawValue: "not_found")
        /// LMDB or the file system failed (disk full, I/O error, map at its maximum).
        public static let storage = Code(rawValue: "storage_error")
        /// A stored record or the store's metadata does not decode.
        public static let corrupt = Code(rawValue: "corrupt_store")
        /// The store was closed.
        public static let closed = Code(rawValue: "store_closed")
        /// An argument outside what the operation accepts (e.g. a limit of 0).
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// The customer was erased: their stream takes no new events.
        public static let customerErased = Code(rawValue: "customer_erased")
        /// An id already linked to the most other ids allowed (``IdentityRules/maxLinks``).
        public static let identityLimit = Code(rawValue: "identity_limit")
        /// An unmerge of two ids that are not linked directly.
        public static let notLinked = Code(rawValue: "not_linked")
        /// The store is encrypted and no master key was given (or a new store would be created
        /// unencrypted without the explicit opt-out).
        public static let masterKeyMissing = Code(rawValue: "master_key_missing")
        /// The master key given is not the store's; nothing was read or written.
        public static let masterKeyWrong = Code(rawValue: "master_key_wrong")
        /// A master key that is not 32 bytes of hex or base64, or an unreadable key file.
        public static let masterKeyInvalid = Code(rawValue: "master_key_invalid")
        /// The operation needs an encrypted store (erasure).
        public static let notEncrypted = Code(rawValue: "not_encrypted")
        /// The store's files are in an older format; migrate them (journeyctl migrate).
        public static let formatOutdated = Code(rawValue: "format_outdated")
        /// A view is not built yet (a store from before it existed): it is built by a rebuild
        /// (`journeyctl rebuild`; the server starts one itself).
        public static let notBuilt = Code(rawValue: "not_built")
        /// The log's server cannot take the request now (the PostgreSQL log with no primary
        /// reachable, e.g. during a failover). Retryable: the message says whether anything may
        /// have been written; appends with event ids are safe to retry (duplicates are recognised).
        public static let unavailable = Code(rawValue: "log_unavailable")
    }

    public var code: Code
    /// What went wrong, for a person.
    public var message: String
    /// The event field at fault (`invalid_event`), e.g. `sentiment` or `properties`.
    public var field: String?
    /// The 1-based line of the input at fault, when the event came from a file or NDJSON body.
    public var line: Int?
    /// The index of the event at fault within a batch (0-based).
    public var index: Int?
    /// For `wrong_expected_version`: what the caller expected and what the stream holds.
    public var expectedVersion: ExpectedVersion?
    public var actualVersion: UInt64?
    /// The customer whose stream failed an expected-version check.
    public var customerId: String?
    /// LMDB's return code when LMDB is the cause.
    public var lmdbCode: Int32?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String {
        var s = ""
        if let line { s += "line \(line): " }
        s += message
        return s
    }

    public static func invalid(_ field: String, _ message: String) -> StoreError {
        StoreError(.invalidEvent, "\(field): \(message)", field: field)
    }

    /// An expected-version check failed: what the caller expected, what the stream holds.
    public static func wrongExpectedVersion(_ customerId: String, expected: ExpectedVersion, actual: UInt64) -> StoreError {
        var e = StoreError(.wrongExpectedVersion, "customer \(customerId): expected version \(expected), but the stream is at version \(actual)")
        e.expectedVersion = expected
        e.actualVersion = actual
        e.customerId = customerId
        return e
    }

    static func storage(_ error: LMDBError) -> StoreError {
        var e = StoreError(.storage, "storage failure: \(error.description)")
        e.lmdbCode = error.code
        return e
    }

    /// Wraps any error as a `StoreError` (LMDB errors become `storage_error`).
    public static func wrap(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? LMDBError { return .storage(e) }
        return StoreError(.storage, "\(error)")
    }

    /// This error with `line` set (for reporting a file's bad line).
    public func at(line: Int) -> StoreError {
        var e = self
        e.line = line
        return e
    }
}

/// LMDB return codes a caller may want to recognise in ``StoreError/lmdbCode``.
public enum LMDBErrorCode {
    /// `MDB_MAP_FULL`: the store reached its maximum map size.
    public static let mapFull: Int32 = LMDBError.mapFullCode
}
