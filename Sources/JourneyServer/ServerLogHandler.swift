#if canImport(Glibc)
import Glibc
#endif
public import Logging
import Synchronization

/// The server's log lines on standard error, in StreamLogHandler's layout (`time level label :
/// metadata message`). Unlike it, metadata is only rendered when a line is written: the framework
/// sets a request id on every request's logger, and StreamLogHandler renders all metadata again
/// on each such change, even when the level then filters every line out (about 5 % of a cheap
/// request under load).
public struct ServerLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private static let output = Mutex<Void>(())

    public init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let rendered = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "\(Self.timestamp()) \(event.level) \(label) :\(rendered) \(event.message)\n"
        var bytes = Array(line.utf8)
        Self.output.withLock { _ in
            // One write(2) per line, whole (standard error is unbuffered).
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + done, $0.count - done) }
                if n <= 0 { if n < 0 && errno == EINTR { continue } else { break } }
                done += n
            }
        }
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [Int8](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
