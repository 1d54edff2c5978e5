import JourneyJSON

extension AppendResult {
    /// The JSON ``JSONOutput`` gives, written directly (fast for large appends): keys sorted.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + events.count * 110)
        out.append(contentsOf: #"{"duplicates":"#.utf8)
        JSONWriter.appendInteger(UInt64(duplicates), to: &out)
        out.append(contentsOf: #","events":["#.utf8)
        for (i, e) in events.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(0x7B)
            if let a = e.anonymousId {
                out.append(contentsOf: #""anonymousId":"#.utf8)
                JSONWriter.appendString(a, to: &out)
                out.append(0x2C)
            }
            if let c = e.customerId {
                out.append(contentsOf: #""customerId":"#.utf8)
                JSONWriter.appendString(c, to: &out)
                out.append(0x2C)
            }
            out.append(contentsOf: e.duplicate ? #""duplicate":true,"id":"#.utf8 : #""duplicate":false,"id":"#.utf8)
            JSONWriter.appendString(e.id, to: &out)
            out.append(contentsOf: #","position":"#.utf8)
            JSONWriter.appendInteger(e.position, to: &out)
            out.append(contentsOf: #","version":"#.utf8)
            JSONWriter.appendInteger(e.version, to: &out)
            out.append(0x7D)
        }
        out.append(contentsOf: #"],"headPosition":"#.utf8)
        JSONWriter.appendInteger(headPosition, to: &out)
        out.append(contentsOf: #","written":"#.utf8)
        JSONWriter.appendInteger(UInt64(written), to: &out)
        out.append(0x7D)
        return out
    }
}

extension AppendResult: Codable {
    private enum CodingKeys: String, CodingKey { case events, headPosition, written, duplicates }

    /// Reads the JSON the server sends (written and duplicates follow from the events).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(events: try c.decode([AppendedEvent].self, forKey: .events), headPosition: try c.decode(UInt64.self, forKey: .headPosition))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(events, forKey: .events)
        try c.encode(headPosition, forKey: .headPosition)
        try c.encode(written, forKey: .written)
        try c.encode(duplicates, forKey: .duplicates)
    }
}

extension VerifyReport: Codable {
    private enum CodingKeys: String, CodingKey {
        case ok, checked, head, headHash, firstBadPosition, problem, seals
    }
    private enum SealKeys: String, CodingKey { case checked, opened, erased, unreadableCount, unreadable }

    /// Reads the JSON the server sends.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let hex = try c.decode(String.self, forKey: .headHash)
        guard let hash = ChainHash(hex: hex) else {
            throw DecodingError.dataCorruptedError(forKey: .headHash, in: c, debugDescription: "expected 64 hex digits, got \(hex)")
        }
        self.init(checked: try c.decode(UInt64.self, forKey: .checked), head: try c.decode(UInt64.self, forKey: .head), headHash: hash)
        firstBadPosition = try c.decodeIfPresent(UInt64.self, forKey: .firstBadPosition)
        problem = try c.decodeIfPresent(String.self, forKey: .problem)
        if c.contains(.seals) {
            let s = try c.nestedContainer(keyedBy: SealKeys.self, forKey: .seals)
            sealsChecked = try s.decode(Bool.self, forKey: .checked)
            sealsOpened = try s.decode(UInt64.self, forKey: .opened)
            erasedSealed = try s.decode(UInt64.self, forKey: .erased)
            unreadableCount = try s.decode(UInt64.self, forKey: .unreadableCount)
            unreadable = try s.decode([UnreadableRecord].self, forKey: .unreadable)
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(isValid, forKey: .ok)
        try c.encode(checked, forKey: .checked)
        try c.encode(head, forKey: .head)
        try c.encode(headHash.hex, forKey: .headHash)
        try c.encodeIfPresent(firstBadPosition, forKey: .firstBadPosition)
        try c.encodeIfPresent(problem, forKey: .problem)
        var s = c.nestedContainer(keyedBy: SealKeys.self, forKey: .seals)
        try s.encode(sealsChecked, forKey: .checked)
        try s.encode(sealsOpened, forKey: .opened)
        try s.encode(erasedSealed, forKey: .erased)
        try s.encode(unreadableCount, forKey: .unreadableCount)
        try s.encode(unreadable, forKey: .unreadable)
    }
}

