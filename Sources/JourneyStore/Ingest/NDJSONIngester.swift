#if canImport(Glibc)
import Glibc
#endif

/// Ingests newline-delimited JSON events from a file descriptor into an ``EventStore``.
///
/// Lines are parsed while the previous batch commits (two batches in flight), so parsing and
/// writing overlap. Blank lines are skipped; a UTF-8 byte-order mark on line 1 and `\r` line
/// ends are accepted. Every bad line is reported with its number and reason; in strict mode the
/// first one stops the ingest, and nothing of the batch it falls in is written.
public struct NDJSONIngester: Sendable {
    public let store: EventStore
    public let options: IngestOptions

    public init(store: EventStore, options: IngestOptions = IngestOptions()) {
        self.store = store
        self.options = options
    }

    struct Batch {
        var events: [NewEvent] = []
        var lines: [Int] = []
        var ticket: AppendTicket?
    }

    /// Reads `fd` to its end (or, in strict mode, to the first bad line) and returns the counts.
    /// Throws only for failures of the store or the input itself (`storage_error`, unreadable input).
    public func ingest(fileDescriptor fd: Int32, report: (IngestEvent) -> Void = { _ in }) async throws(StoreError) -> IngestSummary {
        let clock = ContinuousClock()
        let started = clock.now
        var lastProgress = started
        var summary = IngestSummary()
        var reader = LineReader(fd: fd, maxLineBytes: store.configuration.limits.maxEventBytes)
        let parser = EventParser(limits: store.configuration.limits)
        var current = Batch()
        current.events.reserveCapacity(options.batchSize)
        var inFlight: [Batch] = []
        var stop = false

        func reject(_ line: Int, _ error: StoreError) {
            summary.rejected += 1
            let r = IngestRejection(line: line, error: error)
            if summary.rejections.count < options.maxRejectionsListed { summary.rejections.append(r) }
            report(.rejected(r))
            if options.strict {
                summary.stoppedAtLine = line
                stop = true
            }
        }

        while !stop {
            var ready: [Batch] = []
            let more: Bool
            do throws(LineReader.ReadError) {
                more = try reader.nextChunk { lineNumber, line in
                    guard !stop else { return }
                    switch line {
                    case .tooLong(let bytes):
                        summary.lines += 1
                        reject(lineNumber, .invalid("event", "expected at most \(store.configuration.limits.maxEventBytes) bytes, got \(bytes)"))
                    case .text(let bytes):
                        summary.lines += 1
                        do throws(StoreError) {
                            let event = try parser.parse(bytes)
                            current.events.append(event)
                            current.lines.append(lineNumber)
                            if current.events.count >= options.batchSize {
                                ready.append(current)
                                current = Batch()
                                current.events.reserveCapacity(options.batchSize)
                            }
                        } catch {
                            reject(lineNumber, error)
                        }
                    }
                }
            } catch {
                throw StoreError(.invalidArgument, "cannot read the input: \(error.reason)")
            }
            if !more && !stop && !current.events.isEmpty {
                ready.append(current)
                current = Batch()
            }
            for batch in ready {
                try submit(batch, into: &inFlight, summary: &summary, report: report, reject: reject)
                // Several batches in flight let the writer merge them into one commit when it
                // falls behind the parser (fewer, larger commits: fewer index pages rewritten).
                let depth = options.strict ? 0 : max(2, store.configuration.maxEventsPerCommit / max(options.batchSize, 1) + 1)
                while inFlight.count > depth {
                    try await settle(inFlight.removeFirst(), into: &inFlight, summary: &summary, report: report, reject: reject)
                }
                if stop { break }
            }
            let now = clock.now
            if now - lastProgress > .milliseconds(250) {
                lastProgress = now
                summary.seconds = (now - started).seconds
                report(.progress(summary))
            }
            if !more { break }
        }
        while !inFlight.isEmpty {
            try await settle(inFlight.removeFirst(), into: &inFlight, summary: &summary, report: report, reject: reject)
        }
        summary.seconds = (clock.now - started).seconds
        summary.eventsPerSecond = summary.seconds > 0 ? Double(summary.written + summary.duplicates) / summary.seconds : 0
        if summary.headPosition == 0 { summary.headPosition = try store.headPosition() }
        return summary
    }

    private func submit(
        _ batch: Batch, into inFlight: inout [Batch], summary: inout IngestSummary,
        report: (IngestEvent) -> Void, reject: (Int, StoreError) -> Void
    ) throws(StoreError) {
        var b = batch
        b.ticket = try store.enqueue(b.events)
        inFlight.append(b)
    }

    /// Waits for a batch; on an event-level failure (id conflict) rejects that line and
    /// resubmits the rest (or, in strict mode, stops).
    private func settle(
        _ batch: Batch, into inFlight: inout [Batch], summary: inout IngestSummary,
        report: (IngestEvent) -> Void, reject: (Int, StoreError) -> Void
    ) async throws(StoreError) {
        var b = batch
        while true {
            do {
                let r = try await b.ticket!.result()
                summary.written += r.written
                summary.duplicates += r.duplicates
                summary.headPosition = r.headPosition
                report(.committed(firstLine: b.lines.first ?? 0, lastLine: b.lines.last ?? 0,
                                  written: r.written, duplicates: r.duplicates, headPosition: r.headPosition))
                return
            } catch {
                guard let index = error.index, error.code == .eventIdConflict || error.code == .invalidEvent else { throw error }
                reject(b.lines[index], error)
                if options.strict { return }
                b.events.remove(at: index)
                b.lines.remove(at: index)
                if b.events.isEmpty { return }
                b.ticket = try store.enqueue(b.events)
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
