import JourneyStore
import JourneyJSON

extension CustomerStateOutput {
    /// The JSON ``JSONOutput`` gives (keys sorted, nil fields left out), written directly: the
    /// server's hottest answer. A test checks both encodings agree.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        func key(_ k: StaticString, _ first: Bool = false) {
            if !first { out.append(0x2C) }
            out.append(0x22)
            out.append(contentsOf: UnsafeRawBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(contentsOf: [0x22, 0x3A])
        }
        func string(_ s: String) { JSONWriter.appendString(s, to: &out) }
        out.append(0x7B)
        key("advocacy", true)
        out.append(0x7B)
        key("actions", true)
        out.append(0x7B)
        for (i, k) in advocacy.actions.keys.sorted().enumerated() {
            if i > 0 { out.append(0x2C) }
            string(k)
            out.append(0x3A)
            JSONWriter.appendInteger(UInt64(advocacy.actions[k]!), to: &out)
        }
        out.append(0x7D)
        key("detractor")
        out.append(contentsOf: (advocacy.detractor ? "true" : "false").utf8)
        key("level")
        string(advocacy.level)
        key("metrics")
        out.append(0x7B)
        for (i, k) in advocacy.metrics.keys.sorted().enumerated() {
            let m = advocacy.metrics[k]!
            if i > 0 { out.append(0x2C) }
            string(k)
            out.append(contentsOf: #":{"at":"#.utf8)
            string(m.at)
            out.append(contentsOf: #","position":"#.utf8)
            JSONWriter.appendInteger(m.position, to: &out)
            out.append(contentsOf: #","value":"#.utf8)
            JSONWriter.appendDouble(m.value, to: &out)
            out.append(0x7D)
        }
        out.append(0x7D)
        if let s = advocacy.since { key("since"); string(s) }
        out.append(0x7D)
        if let v = asOf { key("asOf"); string(v) }
        if let v = canonicalId { key("canonicalId"); string(v) }
        key("customerId")
        string(customerId)
        if let v = erasedAt { key("erasedAt"); string(v) }
        key("eventCount")
        JSONWriter.appendInteger(eventCount, to: &out)
        if let v = firstSeen { key("firstSeen"); string(v) }
        if let ids = identities {
            key("identities")
            out.append(0x5B)
            for (i, x) in ids.enumerated() {
                if i > 0 { out.append(0x2C) }
                out.append(contentsOf: #"{"id":"#.utf8)
                string(x.id)
                out.append(contentsOf: #","kind":"#.utf8)
                string(x.kind)
                out.append(0x7D)
            }
            out.append(0x5D)
        }
        if let v = knownAt { key("knownAt"); string(v) }
        if let v = lastSeen { key("lastSeen"); string(v) }
        key("modelVersion")
        string(modelVersion)
        if let v = since { key("since"); string(v) }
        if let v = stage { key("stage"); string(v) }
        key("stages")
        out.append(0x5B)
        for (i, s) in stages.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: #"{"enteredAt":"#.utf8)
            string(s.enteredAt)
            out.append(contentsOf: #","stage":"#.utf8)
            string(s.stage)
            out.append(0x7D)
        }
        out.append(0x5D)
        key("version")
        JSONWriter.appendInteger(version, to: &out)
        out.append(0x7D)
        return out
    }
}
