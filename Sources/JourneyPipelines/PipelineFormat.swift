public import JourneyStore

/// The shapes an input's lines may have (`journeyctl ingest --format`).
public enum PipelineFormat: String, Sendable, CaseIterable {
    /// The store's own events (`Schemas/event.schema.json`).
    case native
    /// Segment's messages, one a line (track, identify, page, screen, group, alias).
    case segment
    /// CloudEvents 1.0 in structured JSON, one a line.
    case cloudevents

    /// The mapper of this format's lines (`nil` for the store's own events).
    public func lineMapper(mapping: PipelineMapping, limits: EventLimits = EventLimits()) -> (any LineMapper)? {
        switch self {
        case .native: nil
        case .segment: SegmentMapper(mapping: mapping.segment, limits: limits)
        case .cloudevents: CloudEventMapper(mapping: mapping.cloudEvents, limits: limits)
        }
    }
}

extension SegmentMapper: LineMapper {
    /// A line of a file: one message, its call named by its `type`.
    public func event(line: UnsafeRawBufferPointer, receivedAt: Timestamp) throws(StoreError) -> NewEvent {
        try event(line, call: nil, receivedAt: receivedAt)
    }
}

extension CloudEventMapper: LineMapper {
    /// A line of a file: one structured-mode CloudEvent.
    public func event(line: UnsafeRawBufferPointer, receivedAt: Timestamp) throws(StoreError) -> NewEvent {
        try event(line, receivedAt: receivedAt)
    }
}
