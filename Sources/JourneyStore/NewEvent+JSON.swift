extension NewEvent {
    /// The event as the JSON object a client sends (fields that are nil left out).
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = [0x7B]
        var first = true
        func key(_ k: String) {
            if !first { out.append(0x2C) }
            first = false
            EventJSON.appendString(k, to: &out)
            out.append(0x3A)
        }
        if let id { key("id"); EventJSON.appendString(id, to: &out) }
        key("customerId"); EventJSON.appendString(customerId, to: &out)
        key("type"); EventJSON.appendString(type, to: &out)
        if let occurredAt {
            key("occurredAt")
            out.append(0x22)
            occurredAt.append(to: &out)
            out.append(0x22)
        }
        if let touchpoint { key("touchpoint"); EventJSON.appendString(touchpoint, to: &out) }
        if let channel { key("channel"); EventJSON.appendString(channel, to: &out) }
        if let sentiment { key("sentiment"); EventJSON.appendDouble(sentiment, to: &out) }
        if let properties { key("properties"); out.append(contentsOf: properties.bytes) }
        out.append(0x7D)
        return out
    }
}
