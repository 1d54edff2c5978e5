import JourneyJSON

/// Size limits an event must respect. Defaults follow `Schemas/event.schema.json`.
public struct EventLimits: Sendable, Equatable {
    /// Largest event, in bytes of its JSON text (default 64 KiB).
    public var maxEventBytes: Int = 64 * 1024
    /// Longest `id`, in Unicode code points (default 128).
    public var maxIdLength: Int = 128
    /// Longest `customerId`, in code points (default 256).
    public var maxCustomerIdLength: Int = 256
    /// Longest `type`, in code points (default 128).
    public var maxTypeLength: Int = 128
    /// Longest `touchpoint` or `channel`, in code points (default 256).
    public var maxLabelLength: Int = 256
    /// Deepest nesting of arrays and objects inside `properties` (default 64).
    public var maxPropertiesDepth: Int = JSONObjectText.defaultMaxDepth

    public init() {}
}
