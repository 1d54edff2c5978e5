import JourneyJSON
/// Writes events in their public JSON shape, fast, straight from records.
///
/// Key order is fixed: `position`, `version`, `id`, `customerId` and `anonymousId` (each when
/// present), `type`, `occurredAt`, `recordedAt`, then `touchpoint`, `channel`, `sentiment`,
/// `properties` when present; an erased customer's event has `"redacted":true` instead of
/// `properties`, an erasure record ends with `"erasure":true`, and an identity merge or unmerge
/// with `"identity":"merge"` or `"identity":"unmerge"`.
public enum EventJSON {
    /// Appends the event's compact JSON object (no newline) to `out`.
    public static func append(_ r: RecordView, position: UInt64, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"position":"#.utf8)
        JSONWriter.appendInteger(position, to: &out)
        out.append(contentsOf: #","version":"#.utf8)
        JSONWriter.appendInteger(r.version, to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        JSONWriter.appendString(r.idBytes, to: &out)
        if !r.customerIdBytes.isEmpty {
            out.append(contentsOf: #","customerId":"#.utf8)
            JSONWriter.appendString(r.customerIdBytes, to: &out)
        }
        if !r.anonymousIdBytes.isEmpty {
            out.append(contentsOf: #","anonymousId":"#.utf8)
            JSONWriter.appendString(r.anonymousIdBytes, to: &out)
        }
        out.append(contentsOf: #","type":"#.utf8)
        JSONWriter.appendString(r.typeBytes, to: &out)
        out.append(contentsOf: #","occurredAt":""#.utf8)
        r.occurredAt.append(to: &out)
        out.append(contentsOf: #"","recordedAt":""#.utf8)
        r.recordedAt.append(to: &out)
        out.append(0x22)
        if let t = r.touchpointBytes {
            out.append(contentsOf: #","touchpoint":"#.utf8)
            JSONWriter.appendString(t, to: &out)
        }
        if let c = r.channelBytes {
            out.append(contentsOf: #","channel":"#.utf8)
            JSONWriter.appendString(c, to: &out)
        }
        if let s = r.sentiment {
            out.append(contentsOf: #","sentiment":"#.utf8)
            JSONWriter.appendDouble(s, to: &out)
        }
        switch r.kind {
        case .merge: out.append(contentsOf: #","identity":"merge""#.utf8)
        case .unmerge: out.append(contentsOf: #","identity":"unmerge""#.utf8)
        default: break
        }
        if r.isErasure {
            // Who erased and why is the audit of erasures (admin only), not part of the log's shape.
            out.append(contentsOf: #","erasure":true"#.utf8)
        } else if let p = r.propertiesBytes {
            out.append(contentsOf: #","properties":"#.utf8)
            out.append(contentsOf: p)
        } else if r.isRedacted || r.isSealed {
            out.append(contentsOf: #","redacted":true"#.utf8)
        }
        out.append(0x7D)
    }
}
