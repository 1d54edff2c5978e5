public import JourneyStore
import JourneyJSON

extension SegmentMapper {
    /// A batch body, `{"batch": [message, …], "sentAt": …}` (other members, such as `context`
    /// or `writeKey`, are ignored). Every message is mapped or the whole batch is refused: the
    /// error names the first bad message by its index. At most 500 KB, each message at most
    /// 32 KB (Segment's limits).
    public func events(batch bytes: UnsafeRawBufferPointer, receivedAt: Timestamp) throws(StoreError) -> [NewEvent] {
        guard bytes.count <= Self.maxBatchBytes else {
            throw StoreError.invalid("batch", "expected at most \(Self.maxBatchBytes) bytes (Segment's limit per batch), got \(bytes.count)")
        }
        let top: JSONMembers
        do {
            top = try JSONMembers(parsing: bytes)
        } catch {
            throw StoreError(.invalidEvent, "malformed JSON at byte \(error.offset): \(error.message)", field: "batch")
        }
        guard case .array(let range) = top.value("batch") else {
            throw StoreError.invalid("batch", "expected {\"batch\": [messages…]}, got \(top.value("batch").kind)")
        }
        var sentAt: Timestamp?
        if case .string(let s) = top.value("sentAt") {
            switch Timestamp.parse(s) {
            case .success(let t): sentAt = t
            case .failure(let e): throw StoreError.invalid("sentAt", "\(e.reason), got \"\(s)\"")
            }
        }
        var events: [NewEvent] = []
        var s = JSONScanner(bytes, index: range.lowerBound + 1)
        s.skipWhitespace()
        var index = 0
        while s.current != 0x5D {
            let start = s.index
            guard s.current == 0x7B else {
                var e = StoreError.invalid("batch[\(index)]", "expected a message object, got \(s.kindAtCursor)")
                e.index = index
                throw e
            }
            let members: JSONMembers
            do {
                members = try JSONMembers(scanning: &s, maxDepth: 64)
            } catch {
                var e = StoreError(.invalidEvent, "batch[\(index)]: \(error.message)", field: "batch")
                e.index = index
                throw e
            }
            if s.index - start > Self.maxMessageBytes {
                var e = StoreError.invalid("batch[\(index)]", "expected at most \(Self.maxMessageBytes) bytes (Segment's limit per message), got \(s.index - start)")
                e.index = index
                throw e
            }
            var view = MessageView(members, index: index, name: "batch[\(index)]")
            events.append(try event(&view, call: nil, sentAt: sentAt, receivedAt: receivedAt))
            index += 1
            s.skipWhitespace()
            if s.current == 0x2C { s.index += 1; s.skipWhitespace() }
        }
        guard !events.isEmpty else { throw StoreError.invalid("batch", "expected at least one message, got an empty batch") }
        return events
    }
}
