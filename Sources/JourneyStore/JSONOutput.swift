import Foundation

/// The JSON encoding shared by the CLI's `--json` and the HTTP API: compact, keys sorted,
/// slashes unescaped, so both print the same shapes byte for byte.
public enum JSONOutput {
    /// Encodes `value` as compact JSON text.
    public static func encode(_ value: some Encodable) -> String {
        String(decoding: data(value), as: UTF8.self)
    }

    /// Encodes `value` as compact JSON bytes.
    public static func data(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            return Data("{\"error\":\"cannot encode: \(error)\"}".utf8)
        }
    }
}

extension AppendResult {
    /// The JSON ``JSONOutput`` gives, written directly (fast for large appends): keys sorted.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + events.count * 110)
        out.append(contentsOf: #"{"duplicates":"#.utf8)
        EventJSON.appendInteger(UInt64(duplicates), to: &out)
        out.append(contentsOf: #","events":["#.utf8)
        for (i, e) in events.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: #"{"customerId":"#.utf8)
            EventJSON.appendString(e.customerId, to: &out)
            out.append(contentsOf: e.duplicate ? #","duplicate":true,"id":"#.utf8 : #","duplicate":false,"id":"#.utf8)
            EventJSON.appendString(e.id, to: &out)
            out.append(contentsOf: #","position":"#.utf8)
            EventJSON.appendInteger(e.position, to: &out)
            out.append(contentsOf: #","version":"#.utf8)
            EventJSON.appendInteger(e.version, to: &out)
            out.append(0x7D)
        }
        out.append(contentsOf: #"],"headPosition":"#.utf8)
        EventJSON.appendInteger(headPosition, to: &out)
        out.append(contentsOf: #","written":"#.utf8)
        EventJSON.appendInteger(UInt64(written), to: &out)
        out.append(0x7D)
        return out
    }
}

extension AppendResult: Encodable {
    private enum CodingKeys: String, CodingKey { case events, headPosition, written, duplicates }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(events, forKey: .events)
        try c.encode(headPosition, forKey: .headPosition)
        try c.encode(written, forKey: .written)
        try c.encode(duplicates, forKey: .duplicates)
    }
}

extension VerifyReport: Encodable {
    private enum CodingKeys: String, CodingKey {
        case ok, checked, head, headHash, firstBadPosition, problem, seals
    }
    private enum SealKeys: String, CodingKey { case checked, opened, erased, unreadableCount, unreadable }
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

