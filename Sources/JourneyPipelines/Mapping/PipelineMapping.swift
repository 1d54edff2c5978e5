/// How the messages of real pipelines (Segment, CloudEvents) become the store's events: which
/// field feeds `touchpoint`, `channel` and `sentiment`, what goes into `properties`, and how
/// types are renamed. The defaults are the documented mapping (README, "Pipelines"); a mapping
/// file (`--mapping FILE`, `mappingFile`) changes any part of it.
public struct PipelineMapping: Sendable, Equatable {
    /// Segment's messages (HTTP tracking API, or one a line for `ingest --format segment`).
    public struct Segment: Sendable, Equatable {
        /// Type renames: a track event's name (as sent, or in snake_case) or a call's type
        /// (`page_view`, `identify`, …) → the store's type. Default none.
        public var types: [String: String] = [:]
        /// Track event names in snake_case (`Order Completed` → `order_completed`); default on.
        public var snakeCase = true
        /// Where `touchpoint` comes from, first found wins (default `properties.touchpoint`, then
        /// `context.page.path`; a page call then falls back to its `properties.path` and `name`,
        /// a screen call to its `name`).
        public var touchpoint: [FieldPath] = ["properties.touchpoint", "context.page.path"]
        /// Where `channel` comes from (default `properties.channel`, `context.campaign.medium`,
        /// `context.channel`).
        public var channel: [FieldPath] = ["properties.channel", "context.campaign.medium", "context.channel"]
        /// Where `sentiment` comes from (default `properties.sentiment`).
        public var sentiment: [FieldPath] = ["properties.sentiment"]
        /// Values copied into `properties` besides the message's own properties (traits for
        /// identify), by name (default `campaign` ← `context.campaign`). A name the properties
        /// already have is left as it is.
        public var extraProperties: [NamedPath] = [NamedPath(name: "campaign", path: "context.campaign")]

        public init() {}
    }

    /// CloudEvents 1.0 (structured, batch and binary mode).
    public struct CloudEvents: Sendable, Equatable {
        /// Type renames: the CloudEvent's full `type` (`com.example.order.completed`) or the part
        /// after its last `.` (`completed`) → the store's type. Default none: the part after the
        /// last `.`.
        public var types: [String: String] = [:]
        public var touchpoint: [FieldPath] = ["data.touchpoint"]
        public var channel: [FieldPath] = ["data.channel"]
        public var sentiment: [FieldPath] = ["data.sentiment"]
        /// Where `properties` come from when `data` is an object (default `data.properties`; when
        /// `data` has no `properties`, the rest of `data`, without the fields lifted above).
        public var properties: FieldPath = "data.properties"

        public init() {}
    }

    public var segment = Segment()
    public var cloudEvents = CloudEvents()

    public init() {}
}

/// A dot-separated path into a message: `context.page.path`, `properties.touchpoint`.
public struct FieldPath: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let segments: [String]

    public init(_ text: String) { segments = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { segments.joined(separator: ".") }

    /// The key of `properties` (or of CloudEvents' `data`) this path lifts out, if it names one
    /// directly: such a value is not kept twice.
    func liftedKey(from container: String) -> String? {
        segments.count == 2 && segments[0] == container ? segments[1] : nil
    }
}

/// A value copied into `properties` under `name`.
public struct NamedPath: Sendable, Equatable {
    public var name: String
    public var path: FieldPath

    public init(name: String, path: FieldPath) {
        self.name = name
        self.path = path
    }
}
