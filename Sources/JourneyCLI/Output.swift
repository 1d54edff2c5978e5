#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JourneyStore
import JourneyJSON

/// Buffered writes to standard output and standard error.
enum Output {
    /// Writes `text` and a newline to standard output.
    static func line(_ text: String) {
        var t = text + "\n"
        t.withUTF8 { write(fd: 1, $0) }
    }

    /// Writes `text` and a newline to standard error.
    static func error(_ text: String) {
        var t = text + "\n"
        t.withUTF8 { write(fd: 2, $0) }
    }

    /// Writes raw bytes to standard output.
    static func bytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write(fd: 1, $0) }
    }

    static func write(fd: Int32, _ buffer: UnsafeBufferPointer<UInt8>) {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                // A closed pipe (e.g. `| head`) ends the command quietly.
                if errno == EPIPE { exit(0) }
                return
            }
            offset += n
        }
    }

    /// Whether standard error is a terminal (progress lines are shown only there).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Writes a progress line over the previous one on standard error.
    static func progress(_ text: String) {
        var t = "\r\u{1B}[2K" + text
        t.withUTF8 { write(fd: 2, $0) }
    }

    /// Clears the progress line.
    static func clearProgress() {
        var t = "\r\u{1B}[2K"
        t.withUTF8 { write(fd: 2, $0) }
    }

    /// JSON of an `Encodable` value, one line.
    static func json(_ value: some Encodable) {
        line(JSONOutput.encode(value))
    }
}
