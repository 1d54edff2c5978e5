#if canImport(Glibc)
import Glibc
#endif

/// Splits a file descriptor's bytes into numbered lines, reading large chunks.
///
/// A line longer than `maxLineBytes` is not buffered whole: it is reported as ``Line/tooLong(_:)``
/// with its length and skipped, so one huge line cannot exhaust memory.
public struct LineReader {
    let fd: Int32
    let maxLineBytes: Int
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var lineNumber = 0
    private var skipping = false
    private var skippedBytes = 0
    private var eof = false
    static let chunkSize = 4 << 20

    public enum Line {
        case text(UnsafeRawBufferPointer)
        case tooLong(Int)
    }

    public struct ReadError: Error {
        public var reason: String
    }

    public init(fd: Int32, maxLineBytes: Int) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
        buffer = [UInt8](repeating: 0, count: Self.chunkSize + maxLineBytes + 4096)
    }

    /// Reads one chunk and calls `body` for every complete line in it (and, at end of input,
    /// for the last line without a newline). Returns `false` once the input is exhausted.
    public mutating func nextChunk(_ body: (Int, Line) -> Void) throws(ReadError) -> Bool {
        if eof { return false }
        // Move the partial line to the front, then fill the rest.
        if start > 0 {
            let remaining = end - start
            if remaining > 0 {
                buffer.withUnsafeMutableBytes { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + start, remaining)
                }
            }
            end = remaining
            start = 0
        }
        let capacity = buffer.count
        let n: Int = buffer.withUnsafeMutableBytes { b in
            while true {
                let r = read(fd, b.baseAddress! + end, capacity - end)
                if r < 0 && errno == EINTR { continue }
                return r
            }
        }
        if n < 0 { throw ReadError(reason: String(cString: strerror(errno))) }
        if n == 0 { eof = true }
        end += n
        buffer.withUnsafeBytes { b in
            var i = start
            while i < end {
                guard let nl = memchr(b.baseAddress! + i, 0x0A, end - i) else { break }
                let lineEnd = b.baseAddress!.distance(to: UnsafeRawPointer(nl))
                emit(b, from: i, to: lineEnd, body)
                i = lineEnd + 1
            }
            start = i
            if eof && start < end {
                emit(b, from: start, to: end, body)
                start = end
            } else if end - start > maxLineBytes {
                // No newline within the limit: skip the rest of this line as it streams past.
                skipping = true
                skippedBytes += end - start
                start = end
            }
        }
        return !eof
    }

    private mutating func emit(_ b: UnsafeRawBufferPointer, from: Int, to: Int, _ body: (Int, Line) -> Void) {
        lineNumber += 1
        if skipping {
            let total = skippedBytes + (to - from)
            skipping = false
            skippedBytes = 0
            body(lineNumber, .tooLong(total))
            return
        }
        var lo = from
        var hi = to
        if hi > lo && b[hi - 1] == 0x0D { hi -= 1 }
        if lineNumber == 1 && hi - lo >= 3 && b[lo] == 0xEF && b[lo + 1] == 0xBB && b[lo + 2] == 0xBF { lo += 3 }
        var blank = true
        for k in lo..<hi {
            let c = b[k]
            if c != 0x20 && c != 0x09 { blank = false; break }
        }
        if blank { return }
        if hi - lo > maxLineBytes {
            body(lineNumber, .tooLong(hi - lo))
            return
        }
        body(lineNumber, .text(UnsafeRawBufferPointer(rebasing: b[lo..<hi])))
    }
}
