import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Ingests newline-delimited JSON events from a file descriptor into a ``BatchAppender``: the
/// log, or a server through the remote client (the same batching, rejections and summary).
///
/// Lines are parsed while earlier batches commit (several batches in flight, so parsing and
/// writing overlap and the writer can merge batches into one commit when it falls behind).
/// Blank lines are skipped; a UTF-8 byte-order mark on line 1 and `\r` line ends are accepted.
/// Every bad line is reported with its number and reason; in strict mode the first one stops
/// the ingest, and nothing of the batch it falls in is written.
public struct NDJSONIngester: Sendable {
    public let log: any BatchAppender
    public let options: IngestOptions

    public init(log: any BatchAppender, options: IngestOptions = IngestOptions()) {
        self.log = log
        self.options = options
    }

    struct Batch {
        var events: [NewEvent] = []
        var lines: [Int] = []
        /// Bytes of the lines (each with its newline), for appenders with a body limit.
        var bytes = 0
        var ticket: AppendTicket?
    }

    /// The running counts and the reporting callback, shared by the steps of one ingest.
    final class Run {
        var summary = IngestSummary()
        /// Set in strict mode by the first bad line.
        var stopped = false
        let options: IngestOptions
        let report: (IngestEvent) -> Void

        init(options: IngestOptions, report: @escaping (IngestEvent) -> Void) {
            self.options = options
            self.report = report
        }

        func reject(_ line: Int, _ error: StoreError) {
            summary.rejected += 1
            let r = IngestRejection(line: line, error: error)
            if summary.rejections.count < options.maxRejectionsListed { summary.rejections.append(r) }
            report(.rejected(r))
            if options.strict && !stopped {
                summary.stoppedAtLine = line
                stopped = true
            }
        }
    }

    /// Reads `fd` to its end (or, in strict mode, to the first bad line) and returns the counts.
    /// Throws only for failures of the store or the input itself (`storage_error`, unreadable input).
    public func ingest(fileDescriptor fd: Int32, report: @escaping (IngestEvent) -> Void = { _ in }) async throws(StoreError) -> IngestSummary {
        let clock = ContinuousClock()
        let started = clock.now
        var lastProgress = started
        let run = Run(options: options, report: report)
        var reader = LineReader(fd: fd, maxLineBytes: log.limits.maxEventBytes)
        var parser = EventParser(limits: log.limits)
        parser.keepRecordedAt = options.keepRecordedAt
        let maxEventBytes = log.limits.maxEventBytes
        let maxBatchBytes = log.maxBatchBytes ?? .max
        var current = Batch()
        current.events.reserveCapacity(options.batchSize)
        var inFlight: [Batch] = []
        // Several batches in flight let the writer merge them into one commit when it falls
        // behind the parser (fewer, larger commits: fewer index pages rewritten). Strict mode
        // waits for each batch, so a failure stops before the next batch is written.
        let depth = options.strict ? 0 : max(1, options.batchesInFlight)
        // Batches are prepared (encoded, sealed) on their own thread while the next are parsed.
        let preparer = DispatchQueue(label: "journey.ingest.prepare")

        while !run.stopped {
            var ready: [Batch] = []
            let more: Bool
            do throws(LineReader.ReadError) {
                more = try reader.nextChunk { lineNumber, line in
                    guard !run.stopped else { return }
                    run.summary.lines += 1
                    switch line {
                    case .tooLong(let bytes):
                        run.reject(lineNumber, .invalid("event", "expected at most \(maxEventBytes) bytes, got \(bytes)"))
                    case .text(let bytes):
                        do throws(StoreError) {
                            let event = if let mapper = options.mapper {
                                try mapper.event(line: bytes, receivedAt: Timestamp.now())
                            } else {
                                try parser.parse(bytes)
                            }
                            if !current.events.isEmpty && current.bytes + bytes.count + 1 > maxBatchBytes {
                                ready.append(current)
                                current = Batch()
                                current.events.reserveCapacity(options.batchSize)
                            }
                            current.events.append(event)
                            current.lines.append(lineNumber)
                            current.bytes += bytes.count + 1
                            if current.events.count >= options.batchSize {
                                ready.append(current)
                                current = Batch()
                                current.events.reserveCapacity(options.batchSize)
                            }
                        } catch {
                            run.reject(lineNumber, error)
                        }
                    }
                }
            } catch {
                throw StoreError(.invalidArgument, "cannot read the input: \(error.reason)")
            }
            if !more && !run.stopped && !current.events.isEmpty {
                ready.append(current)
                current = Batch()
            }
            // Every batch in `ready` lies wholly before any bad line that stopped a strict run.
            let stoppedWhileParsing = run.stopped
            for var batch in ready {
                // A strict run stopped by a batch that failed to commit writes nothing after it.
                if run.stopped && !stoppedWhileParsing { break }
                batch.ticket = log.submit(.append(batch.events), preparingOn: preparer)
                inFlight.append(batch)
                while inFlight.count > depth {
                    try await settle(inFlight.removeFirst(), run)
                }
            }
            let now = clock.now
            if now - lastProgress > .milliseconds(250) {
                lastProgress = now
                run.summary.seconds = (now - started).seconds
                report(.progress(run.summary))
            }
            if !more { break }
        }
        while !inFlight.isEmpty {
            try await settle(inFlight.removeFirst(), run)
        }
        var summary = run.summary
        summary.seconds = (clock.now - started).seconds
        summary.eventsPerSecond = summary.seconds > 0 ? Double(summary.written + summary.duplicates) / summary.seconds : 0
        if summary.headPosition == 0 { summary.headPosition = try await log.currentHead() }
        return summary
    }

    /// Waits for a batch; on an event-level failure (id conflict) rejects that line and
    /// resubmits the rest (or, in strict mode, stops: nothing of the batch is written).
    private func settle(_ batch: Batch, _ run: Run) async throws(StoreError) {
        var b = batch
        while true {
            do {
                let r = try await b.ticket!.result()
                run.summary.written += r.written
                run.summary.duplicates += r.duplicates
                run.summary.headPosition = r.headPosition
                run.report(.committed(firstLine: b.lines.first ?? 0, lastLine: b.lines.last ?? 0,
                                      written: r.written, duplicates: r.duplicates, headPosition: r.headPosition))
                return
            } catch {
                guard let index = error.index, error.code == .eventIdConflict || error.code == .invalidEvent else { throw error }
                run.reject(b.lines[index], error)
                if options.strict { return }
                b.events.remove(at: index)
                b.lines.remove(at: index)
                if b.events.isEmpty { return }
                b.ticket = log.submit(.append(b.events), preparingOn: nil)
            }
        }
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
