import JourneyJSON
import JourneyStore

/// One foreign message being mapped: its members, values found by field path (nested objects
/// scanned once), and errors that name the message (its index in a batch) and the field.
struct MessageView {
    let members: JSONMembers
    var bytes: UnsafeRawBufferPointer { members.bytes }
    /// The message's index in its batch (`nil` for a single message).
    let index: Int?
    /// How errors name the message: "batch[3]", "the message".
    let name: String
    private var objects: [Int: JSONMembers] = [:]

    init(_ members: JSONMembers, index: Int?, name: String) {
        self.members = members
        self.index = index
        self.name = name
    }

    /// An `invalid_event` naming the message and the field.
    func error(_ field: String, _ message: String) -> StoreError {
        var e = StoreError(.invalidEvent, "\(name).\(field): \(message)", field: field)
        e.index = index
        return e
    }

    /// The members of the object at `range` (scanned once per message).
    mutating func object(at range: Range<Int>) -> JSONMembers? {
        if let o = objects[range.lowerBound] { return o }
        guard let o = try? JSONMembers(object: range, in: bytes) else { return nil }
        objects[range.lowerBound] = o
        return o
    }

    /// The value at a field path (`context.page.path`): `.absent` when any step is missing or
    /// not an object.
    mutating func value(_ path: FieldPath) -> JSONMembers.Value {
        var current = members
        for (i, segment) in path.segments.enumerated() {
            let v = current.value(segment)
            if i == path.segments.count - 1 { return v }
            guard case .object(let r) = v, let next = object(at: r) else { return .absent }
            current = next
        }
        return .absent
    }

    /// The text range of the value at a field path, when it is present and not null.
    mutating func range(_ path: FieldPath) -> Range<Int>? {
        var current = members
        for (i, segment) in path.segments.enumerated() {
            guard let r = current.range(segment) else { return nil }
            if i == path.segments.count - 1 {
                if case .null = JSONMembers.value(at: r, in: bytes) { return nil }
                return r
            }
            guard case .object = JSONMembers.value(at: r, in: bytes), let next = object(at: r) else { return nil }
            current = next
        }
        return nil
    }

    /// A top-level string field; `nil` when absent, null or empty. Other kinds are refused.
    func string(_ key: String) throws(StoreError) -> String? {
        switch members.value(key) {
        case .absent, .null: return nil
        case .string(let s): return s.isEmpty ? nil : s
        case let v: throw error(key, "expected a string, got \(v.kind)")
        }
    }

    /// An id field (`userId`, `anonymousId`, `subject`): a string, or a whole number given as
    /// JSON (clients send numeric user ids), as its decimal text; `nil` when absent, null, empty.
    func id(_ key: String) throws(StoreError) -> String? {
        switch members.value(key) {
        case .number(let d) where d == d.rounded() && abs(d) < 1e15: return String(Int64(d))
        default: return try string(key)
        }
    }

    /// A time field, RFC 3339 / ISO 8601 with an offset; `nil` when absent or null.
    func time(_ key: String) throws(StoreError) -> Timestamp? {
        guard let text = try string(key) else { return nil }
        switch Timestamp.parse(text) {
        case .success(let t): return t
        case .failure(let e): throw error(key, "\(e.reason), got \"\(text)\"")
        }
    }

    /// The first string found at `paths` for a label (`touchpoint`, `channel`), cut to the
    /// event's limit; empty strings are skipped. A value of another kind is refused. Also the
    /// path it came from.
    mutating func label(_ paths: [FieldPath], maxLength: Int) throws(StoreError) -> (String, FieldPath)? {
        for p in paths {
            switch value(p) {
            case .absent, .null: continue
            case .string(let s):
                guard !s.isEmpty else { continue }
                // Limits count code points; only a long byte string can be over.
                if s.utf8.count > maxLength, s.unicodeScalars.count > maxLength {
                    return (String(String.UnicodeScalarView(s.unicodeScalars.prefix(maxLength))), p)
                }
                return (s, p)
            case let v: throw error(p.description, "expected a string, got \(v.kind)")
            }
        }
        return nil
    }

    /// The first number found at `paths`, which must be in −1…1.
    mutating func sentiment(_ paths: [FieldPath]) throws(StoreError) -> (Double, FieldPath)? {
        for p in paths {
            switch value(p) {
            case .absent, .null: continue
            case .number(let d):
                guard d >= -1 && d <= 1 else { throw error(p.description, "expected a number in -1…1, got \(d)") }
                return (d, p)
            case let v: throw error(p.description, "expected a number in -1…1, got \(v.kind)")
            }
        }
        return nil
    }

    /// The properties of the event: the members of the object at `base` (when present; it must
    /// be an object) except `lifted`, then `extra` values under their names (when present and
    /// not already there). `nil` when empty.
    mutating func properties(base: FieldPath?, without lifted: Set<String>, extra: [(String, Range<Int>)]) throws(StoreError) -> JSONObjectText? {
        var out: [UInt8] = [0x7B]
        var names = Set<String>()
        if let base {
            switch value(base) {
            case .absent, .null: break
            case .object(let r):
                guard let o = object(at: r) else { break }
                for (k, range) in zip(o.keys, o.ranges) where !lifted.contains(k) {
                    if out.count > 1 { out.append(0x2C) }
                    JSONWriter.appendString(k, to: &out)
                    out.append(0x3A)
                    JSONMembers.appendCompact(range, in: bytes, to: &out)
                    names.insert(k)
                }
            case let v: throw error(base.description, "expected an object, got \(v.kind)")
            }
        }
        for (name, range) in extra where !names.contains(name) {
            if out.count > 1 { out.append(0x2C) }
            JSONWriter.appendString(name, to: &out)
            out.append(0x3A)
            JSONMembers.appendCompact(range, in: bytes, to: &out)
            names.insert(name)
        }
        guard out.count > 1 else { return nil }
        out.append(0x7D)
        return JSONObjectText(trustedCompact: out)
    }
}
