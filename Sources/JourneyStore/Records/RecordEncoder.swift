/// Writes format-3 records (see ``RecordView``) in two steps: the caller encodes everything
/// it knows (``encodeTemplate(_:id:into:)``), and the writer finishes the record with what only
/// it knows (``finish(_:template:version:recordedAt:previous:)``): version, recordedAt, the
/// defaulted occurredAt, and the chain hash.
package enum RecordEncoder {
    /// The stored size of `event`'s record, chain hash included.
    /// `sealed`: the store seals `properties` (nonce and tag added, ``DataKey/overhead``).
    static func size(of event: NewEvent, id: String, sealed: Bool = false) -> Int {
        RecordView.headerSize + RecordView.extraHeaderSize + id.utf8.count + (event.customerId?.utf8.count ?? 0)
            + (event.anonymousId?.utf8.count ?? 0) + event.type.utf8.count
            + (event.touchpoint?.utf8.count ?? 0) + (event.channel?.utf8.count ?? 0)
            + propertiesSize(of: event, sealed: sealed) + RecordView.hashSize
    }

    /// The stored size of `event`'s properties (0 without).
    @inline(__always)
    static func propertiesSize(of event: NewEvent, sealed: Bool) -> Int {
        guard let p = event.properties else { return 0 }
        return p.bytes.count + (sealed ? DataKey.overhead : 0)
    }

    /// Encodes `event` into `out` (exactly ``size(of:id:sealed:)`` bytes) with version,
    /// recordedAt and hash left zero (and occurredAt zero when not sent).
    /// With `sealed` (and properties), the record says so (flag 32) and the properties' bytes
    /// are left for the caller to seal into: the answer is where they start.
    /// `kind` marks an erasure or identity record (an erasure also by its flag, as in format 2).
    @discardableResult
    static func encodeTemplate(_ event: NewEvent, id: String, sealed: Bool = false, kind: RecordView.Kind = .event, into out: UnsafeMutableRawBufferPointer) -> Int {
        let base = out.baseAddress!
        var flags: UInt8 = 0
        if event.occurredAt != nil { flags |= RecordView.Flag.occurredAtSent }
        if event.sentiment != nil { flags |= RecordView.Flag.sentiment }
        if event.touchpoint != nil { flags |= RecordView.Flag.touchpoint }
        if event.channel != nil { flags |= RecordView.Flag.channel }
        if event.properties != nil { flags |= RecordView.Flag.properties }
        let sealed = sealed && event.properties != nil
        if sealed { flags |= RecordView.Flag.sealed }
        if kind == .erasure { flags |= RecordView.Flag.erasure }
        base.storeBytes(of: RecordView.currentFormat, as: UInt8.self)
        base.storeBytes(of: flags, toByteOffset: 1, as: UInt8.self)
        base.storeBytes(of: UInt16(id.utf8.count).littleEndian, toByteOffset: 2, as: UInt16.self)
        base.storeBytes(of: UInt16(event.customerId?.utf8.count ?? 0).littleEndian, toByteOffset: 4, as: UInt16.self)
        base.storeBytes(of: UInt16(event.type.utf8.count).littleEndian, toByteOffset: 6, as: UInt16.self)
        base.storeBytes(of: UInt16(event.touchpoint?.utf8.count ?? 0).littleEndian, toByteOffset: 8, as: UInt16.self)
        base.storeBytes(of: UInt16(event.channel?.utf8.count ?? 0).littleEndian, toByteOffset: 10, as: UInt16.self)
        base.storeBytes(of: UInt32(propertiesSize(of: event, sealed: sealed)).littleEndian, toByteOffset: 12, as: UInt32.self)
        base.storeBytes(of: (event.occurredAt?.milliseconds ?? 0).littleEndian, toByteOffset: 16, as: Int64.self)
        // A kept recording time (reloading an export), or Int64.min: the writer fills in now.
        base.storeBytes(of: (event.recordedAt?.milliseconds ?? Int64.min).littleEndian, toByteOffset: 24, as: Int64.self)
        base.storeBytes(of: UInt64(0), toByteOffset: 32, as: UInt64.self)
        base.storeBytes(of: (event.sentiment ?? 0).bitPattern.littleEndian, toByteOffset: 40, as: UInt64.self)
        base.storeBytes(of: UInt16(event.anonymousId?.utf8.count ?? 0).littleEndian, toByteOffset: 48, as: UInt16.self)
        base.storeBytes(of: kind.rawValue, toByteOffset: 50, as: UInt8.self)
        base.storeBytes(of: UInt8(0), toByteOffset: 51, as: UInt8.self)
        var offset = RecordView.headerSize + RecordView.extraHeaderSize
        @inline(__always) func put(_ s: String?) {
            guard var s else { return }
            s.withUTF8 { u in
                if u.count > 0 { (base + offset).copyMemory(from: u.baseAddress!, byteCount: u.count) }
                offset += u.count
            }
        }
        put(id)
        put(event.customerId)
        put(event.anonymousId)
        put(event.type)
        put(event.touchpoint)
        put(event.channel)
        if !sealed, let p = event.properties {
            p.bytes.withUnsafeBytes { (base + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        // The chain hash's place, zero until the writer finishes the record.
        (base + out.count - RecordView.hashSize).initializeMemory(as: UInt8.self, repeating: 0, count: RecordView.hashSize)
        return offset
    }

    /// Copies `template` into `out`, fills in version and recordedAt (and occurredAt when it was
    /// not sent), and writes and returns the chain hash.
    @inline(__always)
    package static func finish(
        _ out: UnsafeMutableRawBufferPointer, template: UnsafeRawBufferPointer, version: UInt64,
        recordedAt now: Timestamp, floor: inout Int64, previous: ChainHash
    ) -> ChainHash {
        let base = out.baseAddress!
        base.copyMemory(from: template.baseAddress!, byteCount: template.count)
        let kept = Int64(littleEndian: template.loadUnaligned(fromByteOffset: 24, as: Int64.self))
        let recordedAt = Timestamp(milliseconds: max(kept == .min ? now.milliseconds : kept, floor))
        floor = max(floor, recordedAt.milliseconds)
        base.storeBytes(of: recordedAt.milliseconds.littleEndian, toByteOffset: 24, as: Int64.self)
        base.storeBytes(of: version.littleEndian, toByteOffset: 32, as: UInt64.self)
        if base.load(fromByteOffset: 1, as: UInt8.self) & RecordView.Flag.occurredAtSent == 0 {
            base.storeBytes(of: recordedAt.milliseconds.littleEndian, toByteOffset: 16, as: Int64.self)
        }
        let bodyCount = template.count - RecordView.hashSize
        let hash = previous.next(over: UnsafeRawBufferPointer(start: base, count: bodyCount))
        hash.write(to: base + bodyCount)
        return hash
    }
}
