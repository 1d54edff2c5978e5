import ArgumentParser
import Foundation
import JourneyCore
import JourneyStore
import JourneyJSON

/// What to run: every benchmark by default. A flag that is not one of these, or a value that
/// does not parse, stops the run with usage (argument-parser), instead of running defaults.
struct BenchOptions: ParsableArguments {
    static let names = ["parse", "ingest", "replay", "replayprops", "reads", "rebuild", "map", "lookups", "append1", "append64", "lag", "pgingest", "pgfailover"]

    @Option(help: "The NDJSON dataset (default: generated into --work).") var dataset: String?
    @Option(help: "The work folder.") var work = "/tmp/journey-bench"
    @Option(help: "Seconds each timed append run lasts.") var seconds = 5.0
    @Option(help: "The dataset generator.") var generator = "../shared/bench/gen_events.py"
    @Option(help: "Only these benchmarks, comma-separated: \(BenchOptions.names.joined(separator: ","))",
            transform: { Set($0.split(separator: ",").map(String.init)) })
    var only: Set<String> = []
    @Option(help: "The PostgreSQL log for pgingest: postgres://USER@HOST:PORT[,HOST:PORT...]/DATABASE, or HOST:PORT (user journey, database postgres); .ci/pg-bench/run starts one.") var postgres: String?
    @Option(help: "pgfailover: a file that gets the time of every acknowledged append (ms since 1970, one a line).") var acks: String?
    @Option(help: "pgingest: appenders sending batches at once (their batches share commits).") var appenders = 4
    @Option(help: "pgingest: events a batch (default 1,000; journeyctl ingest sends 25,000).") var pgBatch = 1_000
    @Option(help: "What the pgingest line says about the servers (e.g. their standbys).") var postgresNote: String = "no standby"
    @Flag(help: "Benchmark an unencrypted store instead of an encrypted one (the default, as users run it: properties sealed per customer).") var unencrypted = false
    /// Kept so that scripts written for the older default still run: encrypted is the default now.
    @Flag(help: .hidden) var encrypted = false

    func validate() throws {
        let unknown = only.subtracting(Self.names)
        guard unknown.isEmpty else {
            throw ValidationError("--only: unknown benchmark(s) \(unknown.sorted().joined(separator: ", ")) (expected \(Self.names.joined(separator: ", ")))")
        }
        guard !(encrypted && unencrypted) else { throw ValidationError("--encrypted and --unencrypted: give one (encrypted is the default)") }
        guard pgBatch > 0 else { throw ValidationError("--pg-batch: expected a positive number, got \(pgBatch)") }
        guard appenders > 0 else { throw ValidationError("--appenders: expected a positive number, got \(appenders)") }
        guard seconds > 0 else { throw ValidationError("--seconds: expected a positive number, got \(seconds)") }
    }
}

/// Runs each benchmark and prints one line per figure.
struct Benchmarks {
    let options: BenchOptions
    /// One key per run (the encrypted store is rebuilt when it was made by another run).
    static let key = MasterKey.generate()

    /// The engine's settings, with `JOURNEY_PROJECTION_CHUNK_EVENTS`, `JOURNEY_REBUILD_CHUNK_EVENTS`
    /// and `JOURNEY_REBUILD_SAVE_SECONDS` applied as the CLI applies them.
    static let engineConfiguration: EngineConfiguration = {
        do { return try EngineConfiguration(environment: ProcessInfo.processInfo.environment) } catch {
            FileHandle.standardError.write(Data("journey-bench: \(error)\n".utf8))
            exit(2)
        }
    }()

    /// The configuration of a benchmark store in `dir` (encrypted unless `--unencrypted`).
    func configuration(_ dir: String) -> StoreConfiguration {
        var c = StoreConfiguration(directory: dir)
        if encrypted { c.masterKey = Self.key }
        return c
    }

    var encrypted: Bool { !options.unencrypted }

    func runAll() async throws {
        if options.only == ["pgfailover"] {
            // The failover test's load: no dataset, no LMDB store.
            guard let postgres = options.postgres else { throw BenchError("pgfailover needs --postgres postgres://…") }
            try await failoverLoad(server: postgres)
            return
        }
        try FileManager.default.createDirectory(atPath: options.work, withIntermediateDirectories: true)
        let dataset = try ensureDataset()
        let lines = try Data(contentsOf: URL(fileURLWithPath: dataset))
        print("dataset: \(dataset) (\(lines.count / 1_048_576) MiB)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; LMDB \(EventStore.lmdbVersion)")
        if options.only == ["pgingest"] {
            // The PostgreSQL log alone (unencrypted: it has no encryption yet): no LMDB store to make first.
            print("")
            if let postgres = options.postgres { try await postgresIngest(dataset, server: postgres, note: options.postgresNote) }
            return
        }
        print("store: \(encrypted ? "encrypted (AES-GCM per customer; --unencrypted for the other)" : "unencrypted")")
        print("")
        let storeDir = options.work + (encrypted ? "/store-encrypted" : "/store")
        // An encrypted store is only readable with its key: made again by every run.
        if encrypted { try? FileManager.default.removeItem(atPath: storeDir) }
        if want("parse") { parse(lines) }
        if want("ingest") || !FileManager.default.fileExists(atPath: storeDir + "/data.mdb") {
            try await ingest(dataset, into: storeDir)
        }
        let store = try EventStore(configuration(storeDir))
        defer { store.close() }
        if want("replay") { try replay(store) }
        if want("replayprops") { try replayProperties(store) }
        if want("reads") { try await reads(store) }
        if want("rebuild") { try rebuild(store) }
        if want("map") { try map(store) }
        if want("lookups") { try await lookups(store) }
        if want("append1") { try await appends(writers: 1) }
        if want("append64") { try await appends(writers: 64) }
        if want("lag") { try await lag(dataset) }
        if let postgres = options.postgres, want("pgingest") { try await postgresIngest(dataset, server: postgres, note: options.postgresNote) }
    }

    func want(_ name: String) -> Bool { options.only.isEmpty || options.only.contains(name) }

    func ensureDataset() throws -> String {
        if let d = options.dataset { return d }
        let path = options.work + "/events-1m.ndjson"
        if FileManager.default.fileExists(atPath: path) { return path }
        print("generating \(path) …")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", options.generator, "--customers", "100000", "--events", "1000000", "--seed", "42", "--out", path]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("gen_events.py failed (\(p.terminationStatus))") }
        return path
    }

    func report(_ name: String, _ count: Int, _ seconds: Double, unit: String = "events/s", extra: String = "") {
        let rate = Double(count) / seconds
        let label = name.padding(toLength: 46, withPad: " ", startingAt: 0)
        let figure = String(Int(rate.rounded()))
        print(label + String(repeating: " ", count: max(0, 10 - figure.count)) + figure + " " + unit
              + String(format: "   (%d in %.2f s)", count, seconds) + extra)
    }

    /// Parsing only: NDJSON lines to validated events, one core.
    func parse(_ data: Data) {
        let parser = EventParser()
        let start = Date()
        var count = 0
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var lineStart = 0
            for i in 0..<raw.count where raw[i] == 0x0A {
                if (try? parser.parse(UnsafeRawBufferPointer(rebasing: raw[lineStart..<i]))) != nil { count += 1 }
                lineStart = i + 1
            }
        }
        report("parse NDJSON (1 core, no store)", count, Date().timeIntervalSince(start))
    }

    /// Durable NDJSON ingest into an empty store.
    func ingest(_ dataset: String, into dir: String) async throws {
        try? FileManager.default.removeItem(atPath: dir)
        let store = try EventStore(configuration(dir))
        let fd = open(dataset, O_RDONLY)
        defer { close(fd) }
        let cpu = ProcessCPU.now()
        let summary = try await NDJSONIngester(log: store).ingest(fileDescriptor: fd)
        let used = cpu.used(over: summary.seconds)
        store.close()
        report("ingest NDJSON, durable (journeyctl defaults)", summary.written, summary.seconds, extra: used)
    }

    /// Replay: every record decoded from the map (customer, type, touchpoint, channel, times, sentiment).
    func replay(_ store: EventStore) throws {
        let start = Date()
        var count = 0
        var checksum = 0
        try store.scan { _, r in
            checksum &+= r.customerIdBytes.count &+ r.typeBytes.count &+ (r.touchpointBytes?.count ?? 0)
                &+ (r.channelBytes?.count ?? 0) &+ Int(truncatingIfNeeded: r.occurredAt.milliseconds)
                &+ Int(truncatingIfNeeded: r.recordedAt.milliseconds) &+ Int(r.version) &+ Int((r.sentiment ?? 0) * 100)
            count += 1
            return true
        }
        report("replay full log (decode records)", count, Date().timeIntervalSince(start), extra: "  checksum \(checksum & 0xFFFF)")
    }

    /// Replay reading every event's properties too (opening sealed ones in an encrypted store).
    func replayProperties(_ store: EventStore) throws {
        let start = Date()
        var count = 0
        var bytes = 0
        try store.scan(readable: true) { _, r in
            bytes &+= r.propertiesBytes?.count ?? 0
            count += 1
            return true
        }
        report("replay full log with properties", count, Date().timeIntervalSince(start), extra: "  \(bytes / 1_048_576) MiB of properties")
    }

    /// Random customers' streams (about 10 events each), read whole.
    func reads(_ store: EventStore) async throws {
        let customers = 100_000
        var rng = SystemRandomNumberGenerator()
        let n = 200_000
        let ids = (0..<n).map { _ in String(format: "cust-%07d", Int.random(in: 0..<customers, using: &rng)) }
        var start = Date()
        var events = 0
        for id in ids { events += try store.readStream(id).count }
        report("random customer-stream reads, 1 thread", n, Date().timeIntervalSince(start), unit: "reads/s ", extra: "  \(events / n) events each")
        start = Date()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for t in 0..<2 {
                group.addTask {
                    var k = 0
                    for i in stride(from: t, to: n, by: 2) { k += try store.readStream(ids[i]).count }
                    return k
                }
            }
            return try await group.reduce(0, +)
        }
        _ = total
        report("random customer-stream reads, 2 threads", n, Date().timeIntervalSince(start), unit: "reads/s ")
    }

    /// Full rebuild of all projections (the journey map included) into a new generation.
    func rebuild(_ store: EventStore) throws {
        let engine = try JourneyEngine(store: store, configuration: Benchmarks.engineConfiguration)
        try engine.live.catchUp()
        let start = Date(), cpu = ProcessCPU.now()
        let reports = try engine.rebuilder.rebuild()
        let seconds = Date().timeIntervalSince(start)
        report("rebuild all \(ProjectionKind.allCases.count) projections (log events)", Int(reports.first?.checkpoint ?? 0), seconds, extra: cpu.used(over: seconds))
        let one = Date(), oneCPU = ProcessCPU.now()
        try engine.rebuilder.rebuild([.customerStage])
        let oneSeconds = Date().timeIntervalSince(one)
        report("rebuild customer-stage alone", Int(reports.first?.checkpoint ?? 0), oneSeconds, extra: oneCPU.used(over: oneSeconds))
    }

    /// In-process stage look-ups of random customers.
    func lookups(_ store: EventStore) async throws {
        let engine = try JourneyEngine(store: store, configuration: Benchmarks.engineConfiguration)
        try engine.live.catchUp()
        var rng = SystemRandomNumberGenerator()
        let n = 1_000_000
        let ids = (0..<n).map { _ in String(format: "cust-%07d", Int.random(in: 0..<100_000, using: &rng)) }
        var start = Date()
        var found = 0
        for id in ids where try engine.queries.stage(of: id) != nil { found += 1 }
        report("stage look-ups (engine.stage), 1 thread", n, Date().timeIntervalSince(start), unit: "lookups/s", extra: "  \(found) with a stage")
        start = Date()
        _ = try await withThrowingTaskGroup(of: Int.self) { group in
            for t in 0..<2 {
                group.addTask {
                    var k = 0
                    for i in stride(from: t, to: n, by: 2) where try engine.queries.stage(of: ids[i]) != nil { k += 1 }
                    return k
                }
            }
            return try await group.reduce(0, +)
        }
        report("stage look-ups (engine.stage), 2 threads", n, Date().timeIntervalSince(start), unit: "lookups/s")
        start = Date()
        for id in ids.prefix(200_000) { _ = try engine.queries.customer(id) }
        report("full customer state (engine.customer), 1 thread", 200_000, Date().timeIntervalSince(start), unit: "lookups/s")
    }

    /// The live worker's lag while ingesting at full speed: how long after the ingest finishes
    /// until the views hold every event.
    func lag(_ dataset: String) async throws {
        let dir = options.work + "/lag"
        try? FileManager.default.removeItem(atPath: dir)
        let store = try EventStore(configuration(dir))
        defer { store.close() }
        let engine = try JourneyEngine(store: store, configuration: Benchmarks.engineConfiguration)
        let done = ManagedFlag()
        let worker = Thread {
            while !done.isSet {
                if (try? engine.live.runChunk().applied) ?? 0 == 0 { usleep(1000) }
            }
        }
        let cpu = ProcessCPU.now()
        worker.start()
        let fd = open(dataset, O_RDONLY)
        defer { close(fd) }
        let summary = try await NDJSONIngester(log: store).ingest(fileDescriptor: fd)
        let finished = Date()
        let lagAtEnd = summary.headPosition - (try engine.live.appliedPosition())
        _ = await engine.live.applied.wait(until: summary.headPosition)
        let caughtUp = Date().timeIntervalSince(finished)
        done.set()
        report("ingest with the live worker running", summary.written, summary.seconds,
               extra: String(format: "  lag at ingest end %d events, caught up %.2f s later;", lagAtEnd, caughtUp)
                   + cpu.used(over: summary.seconds + caughtUp) + " until caught up")
    }

    /// Single-event durable appends from `writers` concurrent tasks, for `seconds`.
    /// `BENCH_NOSYNC=1` runs the same without flushing (the line says so): what the appends cost
    /// apart from waiting for the disk. An experiment only; stores are always durable.
    func appends(writers: Int) async throws {
        let dir = options.work + "/appends-\(writers)"
        try? FileManager.default.removeItem(atPath: dir)
        var config = configuration(dir)
        config.durable = ProcessInfo.processInfo.environment["BENCH_NOSYNC"] == nil
        let store = try EventStore(config)
        defer { store.close() }
        if ProcessInfo.processInfo.environment["BENCH_PREALLOC"] != nil {
            let fh = FileHandle(forWritingAtPath: dir + "/data.mdb")!
            fh.seekToEndOfFile()
            let zeros = Data(count: 1 << 20)
            for _ in 0..<256 { fh.write(zeros) }
            fh.synchronizeFile()
            fh.closeFile()
        }
        let deadline = Date().addingTimeInterval(options.seconds)
        let start = Date(), cpu = ProcessCPU.now()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var k = 0
                    while Date() < deadline {
                        let e = NewEvent(customerId: "bench-\(w)-\(k % 50)", type: "page_view", touchpoint: "pricing_page",
                                         channel: "web", sentiment: 0.1, properties: JSONObjectText.empty)
                        _ = try await store.append(e)
                        k += 1
                    }
                    return k
                }
            }
            return try await group.reduce(0, +)
        }
        let m = store.writerMetrics
        let seconds = Date().timeIntervalSince(start)
        report("single-event \(config.durable ? "durable" : "NO-FSYNC") appends, \(writers) writer\(writers == 1 ? "" : "s")", total, seconds,
               extra: String(format: "  %.1f events/commit, %.2f ms/commit;", m.eventsPerCommit, m.transactionSeconds * 1000 / Double(max(m.commits, 1)))
                   + cpu.used(over: seconds))
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A flag one thread sets and another polls.
final class ManagedFlag: @unchecked Sendable {
    // Safe to share: guarded by the lock.
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
