/// Parses NDJSON as it arrives, a chunk at a time, into one batch: each complete line is parsed
/// when its newline comes, a partial line waits for the rest, so a large body is parsed while it
/// is still being received and never held whole. The rules are ``EventParser/parseNDJSON(_:)``'s
/// (which uses it): one event a line, blank lines skipped, `\r\n` accepted, a byte-order mark
/// before the first line ignored; an error names the 1-based line (``StoreError/line``) and the
/// index of the event it would have been (``StoreError/index``).
public struct NDJSONStreamParser {
    private let parser: EventParser
    /// The events parsed so far, in order.
    public private(set) var events: [NewEvent] = []
    /// The bytes of a line whose newline has not arrived yet.
    private var partial: [UInt8] = []
    private var line = 0

    public init(parser: EventParser) {
        self.parser = parser
    }

    /// Parses every line that `chunk` completes.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer) throws(StoreError) {
        var start = 0
        let n = chunk.count
        while start < n {
            var end = start
            while end < n && chunk[end] != 0x0A { end += 1 }
            if end == n {
                partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<n]))
                return
            }
            if partial.isEmpty {
                try parseLine(UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
            } else {
                partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
                let whole = partial
                partial.removeAll(keepingCapacity: true)
                try parseLine(whole)
            }
            start = end + 1
        }
    }

    /// Parses the last line (one with no newline after it) and returns the batch.
    public mutating func finish() throws(StoreError) -> [NewEvent] {
        let last = partial
        partial.removeAll()
        try parseLine(last)
        return events
    }

    private mutating func parseLine(_ bytes: [UInt8]) throws(StoreError) {
        // `withUnsafeBytes` rethrows untyped errors: the typed one travels in a Result.
        let r: Result<Void, StoreError> = bytes.withUnsafeBytes { b in Result { () throws(StoreError) in try parseLine(b) } }
        try r.get()
    }

    private mutating func parseLine(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        line += 1
        var hi = bytes.count
        if hi > 0 && bytes[hi - 1] == 0x0D { hi -= 1 }
        var lo = 0
        if line == 1 && hi - lo >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { lo += 3 }
        let text = UnsafeRawBufferPointer(rebasing: bytes[lo..<max(lo, hi)])
        guard !text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return }
        do {
            events.append(try parser.parse(text))
        } catch {
            var e = error
            e.line = line
            e.index = events.count
            throw e
        }
    }
}
