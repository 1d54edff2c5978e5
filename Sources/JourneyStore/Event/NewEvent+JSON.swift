import JourneyJSON
extension NewEvent {
    /// The event as the JSON object a client sends (fields that are nil left out).
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = [0x7B]
        var first = true
        func key(_ k: String) {
            if !first { out.append(0x2C) }
            first = false
            JSONWriter.appendString(k, to: &out)
            out.append(0x3A)
        }
        if let id { key("id"); JSONWriter.appendString(id, to: &out) }
        if let customerId { key("customerId"); JSONWriter.appendString(customerId, to: &out) }
        if let anonymousId { key("anonymousId"); JSONWriter.appendString(anonymousId, to: &out) }
        key("type"); JSONWriter.appendString(type, to: &out)
        if let occurredAt {
            key("occurredAt")
            out.append(0x22)
            occurredAt.append(to: &out)
            out.append(0x22)
        }
        if let touchpoint { key("touchpoint"); JSONWriter.appendString(touchpoint, to: &out) }
        if let channel { key("channel"); JSONWriter.appendString(channel, to: &out) }
        if let sentiment { key("sentiment"); JSONWriter.appendDouble(sentiment, to: &out) }
        if let properties { key("properties"); out.append(contentsOf: properties.bytes) }
        out.append(0x7D)
        return out
    }
}
