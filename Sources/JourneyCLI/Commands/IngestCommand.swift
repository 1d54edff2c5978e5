import ArgumentParser
import Foundation
import JourneyClient
import JourneyCore
import JourneyStore
import JourneyPipelines

/// `journeyctl ingest`: bulk-loads NDJSON events.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load NDJSON events (one JSON object a line) from a file or standard input.",
        discussion: """
            --format segment takes Segment's messages, one a line (track, identify, page, screen, \
            group, alias); --format cloudevents takes structured CloudEvents 1.0. Both are mapped \
            as the README's "Pipelines" says, or as --mapping FILE says; their ids are duplicates \
            by id alone (a re-run writes nothing new).
            Events are written in atomic batches, each one durable commit. Bad lines are reported \
            on standard error with their line number and reason and skipped; --strict stops at the \
            first one instead (nothing of its batch is written). Exit 0 when every line was \
            written or was a duplicate, 2 when any line was rejected, 1 on failure.
            --no-sync is the bulk mode: commits are not flushed one by one. An operating-system \
            crash or power loss during the ingest can lose events it already counted as written \
            and can corrupt the store (LMDB's MDB_NOSYNC); a crash of journeyctl alone loses \
            nothing. Everything is flushed before the command exits. Use it for loads you can \
            redo, e.g. into an empty data folder.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The NDJSON file, or - for standard input.") var file: String
    @Option(help: "Events per atomic batch (default 25000).") var batchSize: Int = 25_000
    @Flag(help: "Stop at the first bad line.") var strict = false
    @Flag(help: "Print the summary as JSON.") var json = false
    @Flag(help: "Print one line per committed batch on standard error.") var verbose = false
    @Flag(help: "No progress line.") var quiet = false
    @Flag(name: .customLong("no-sync"), help: "Bulk mode: do not flush each commit (see above).") var noSync = false
    @Flag(help: "Keep each line's recordedAt (reloading a journeyctl export into a new store).") var keepRecordedAt = false
    @Option(help: "The lines' shape: native (the store's events), segment or cloudevents (default native).") var format: PipelineFormat = .native
    @Option(help: ArgumentHelp("A mapping file for --format segment|cloudevents (default: the documented mapping).", valueName: "file"))
    var mapping: String?

    func validate() throws {
        guard batchSize >= 1 && batchSize <= 1_000_000 else { throw ValidationError("--batch-size: expected 1…1000000, got \(batchSize)") }
        if format == .native && mapping != nil { throw ValidationError("--mapping applies to --format segment or cloudevents") }
        if format != .native && keepRecordedAt { throw ValidationError("--keep-recorded-at applies to the store's own events (--format native)") }
    }

    func run() async throws {
        let fd: Int32
        if file == "-" {
            fd = 0
        } else {
            fd = open(file, O_RDONLY)
            guard fd >= 0 else { throw CLIError("cannot open \(file): \(String(cString: strerror(errno)))", exitCode: 2) }
        }
        defer { if fd != 0 { close(fd) } }
        var options = IngestOptions()
        options.batchSize = batchSize
        options.strict = strict
        options.keepRecordedAt = keepRecordedAt
        options.mapper = format.lineMapper(mapping: try mapping.map { path throws(StoreError) in try PipelineMapping.load(file: path) } ?? PipelineMapping())
        let showProgress = Output.stderrIsTerminal && !quiet
        let client = try await global.client(.write, quiet: true, durable: !noSync)
        defer { client.close() }
        if noSync {
            Output.error("journeyctl: --no-sync: commits are not flushed until the ingest ends; an OS crash or power loss before then can lose them and corrupt the store")
        }
        let summary: IngestSummary
        do {
            summary = try await client.ingest(fileDescriptor: fd, options: options) { event in
                report(event, showProgress: showProgress)
            }
        } catch let e as StoreError {
            if showProgress { Output.clearProgress() }
            throw CLIError(e)
        }
        try finish(summary, showProgress: showProgress)
    }

    @Sendable func report(_ event: IngestEvent, showProgress: Bool) {
                switch event {
                case .rejected(let r):
                    if showProgress { Output.clearProgress() }
                    Output.error("line \(r.line): \(r.message)")
                case .progress(let s):
                    if showProgress {
                        Output.progress("lines \(Format.count(s.lines))  written \(Format.count(s.written))  duplicates \(Format.count(s.duplicates))  rejected \(Format.count(s.rejected))  \(Format.rate(Double(s.written + s.duplicates) / max(s.seconds, 0.001)))")
                    }
                case .committed(let first, let last, let written, let duplicates, let head):
                    if verbose {
                        if showProgress { Output.clearProgress() }
                        Output.error("committed lines \(first)-\(last): written \(written), duplicates \(duplicates), head \(head)")
                    }
                }
    }

    func finish(_ summary: IngestSummary, showProgress: Bool) throws {
        if showProgress { Output.clearProgress() }
        if json {
            Output.json(summary)
        } else {
            Output.line("written \(Format.count(summary.written)), duplicates \(Format.count(summary.duplicates)), rejected \(Format.count(summary.rejected)) in \(Format.seconds(summary.seconds)) (\(Format.rate(summary.eventsPerSecond))); head position \(Format.count(summary.headPosition))")
            if let stopped = summary.stoppedAtLine {
                Output.line("stopped at line \(stopped) (--strict): nothing of its batch was written")
            }
        }
        if summary.rejected > 0 { throw ExitCode(2) }
    }
}
