import Foundation
import JourneyCore
import JourneyStore
public import Prometheus
import Synchronization

/// The server's Prometheus metrics: HTTP requests by route and status, latency, and the store's
/// and projections' figures read at scrape time.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// Each route's latency histogram and its counters by status: one look-up per request.
    private let routes = Mutex<[RouteKey: RouteEntry]>([:])
    private let last = Mutex<[String: Int]>([:])
    static let buckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5), .seconds(10),
    ]

    public init() {}

    private struct RouteKey: Hashable {
        let method: String
        let route: String
    }

    private struct RouteEntry {
        let histogram: DurationHistogram
        var counters: [Int: Counter] = [:]
    }

    /// A metric named exactly `name` (the unit is already part of it).
    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Records one request.
    func record(method: String, route: String, status: Int, duration: Duration) {
        let key = RouteKey(method: method, route: route)
        let (counter, histogram) = routes.withLock { r -> (Counter, DurationHistogram) in
            if r[key] == nil {
                r[key] = RouteEntry(histogram: registry.makeDurationHistogram(
                    descriptor: Self.descriptor("journey_http_request_duration_seconds", "HTTP request latency by method and route"),
                    labels: [("method", method), ("route", route)], buckets: Self.buckets))
            }
            if let existing = r[key]!.counters[status] { return (existing, r[key]!.histogram) }
            let made = registry.makeCounter(
                descriptor: Self.descriptor("journey_http_requests_total", "HTTP requests by method, route and status"),
                labels: [("method", method), ("route", route), ("status", String(status))])
            r[key]!.counters[status] = made
            return (made, r[key]!.histogram)
        }
        counter.increment()
        histogram.recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Brings the store and projection figures up to date, then renders everything.
    func render(store: any EventLog, engine: JourneyEngine) -> [UInt8] {
        let w = store.writerMetrics
        increase("journey_commits_total", to: w.commits, help: "Write transactions committed by this process's append writer")
        increase("journey_appends_total", to: w.requests, help: "Append requests completed by this process's append writer")
        increase("journey_events_appended_total", to: w.events, help: "Events written by this process's append writer")
        gauge("journey_events_per_commit", Double(w.eventsPerCommit), help: "Average events per commit so far")
        gauge("journey_append_transaction_seconds_total", w.transactionSeconds, help: "Time spent in append transactions (commit and fsync included)")
        let c = store.storageCounters
        increase("journey_write_transactions_total", to: c.transactions, help: "LMDB write transactions committed by this process (appends and projections)")
        increase("journey_synced_commits_total", to: c.synced, help: "Commits flushed to disk (each is an fsync of the data file and of the meta page)")
        gauge("journey_commit_seconds_total", c.commitSeconds, help: "Time spent committing (writing pages and fsync), all write transactions")
        if let s = try? store.statistics() {
            gauge("journey_store_file_bytes", Double(s.fileBytes), help: "Size of the log's data.mdb")
            gauge("journey_views_file_bytes", Double(s.viewsFileBytes), help: "Size of the views' views/data.mdb")
            gauge("journey_map_used_bytes", Double(s.mapUsedBytes), help: "Bytes of the LMDB map in use")
            gauge("journey_map_size_bytes", Double(s.mapSizeBytes), help: "Current LMDB map size (grows by itself)")
            gauge("journey_events", Double(s.events), help: "Events in the log")
            gauge("journey_customers", Double(s.customers), help: "Customers (streams)")
            for (db, bytes) in s.databaseBytes {
                gauge("journey_database_bytes", Double(bytes), labels: [("database", db)], help: "Bytes of pages per database")
            }
        }
        if let views = try? engine.queries.viewBytes() {
            for (name, bytes) in views {
                gauge("journey_view_bytes", Double(bytes), labels: [("projection", name)], help: "Bytes of pages of each live view")
            }
        }
        if let statuses = try? engine.queries.status() {
            for s in statuses {
                gauge("journey_projection_lag_events", Double(s.lag), labels: [("projection", s.name)], help: "Events not yet applied to a projection")
                gauge("journey_projection_checkpoint", Double(s.checkpoint), labels: [("projection", s.name)], help: "Last position applied to a projection")
                gauge("journey_projection_rebuilding", s.rebuild == nil ? 0 : 1, labels: [("projection", s.name)], help: "1 while a rebuild runs")
                if let r = s.rebuild {
                    gauge("journey_projection_rebuild_progress", r.fraction, labels: [("projection", s.name)], help: "Fraction of the log a rebuild has applied")
                }
            }
            gauge("journey_head_position", Double(statuses.first?.head ?? 0), help: "The log's head position")
            gauge("journey_projection_faults", Double(statuses.first?.faults ?? 0), help: "Events the views applied without their properties because these did not open (journeyctl projections --faults)")
        }
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }

    private let gauges = Mutex<[String: Gauge]>([:])

    private func gauge(_ name: String, _ value: Double, labels: [(String, String)] = [], help: String) {
        let key = name + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        let g = gauges.withLock { g in
            if let existing = g[key] { return existing }
            let made = registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
            g[key] = made
            return made
        }
        g.set(value)
    }

    private let counters = Mutex<[String: Counter]>([:])

    private func increase(_ name: String, to total: Int, help: String) {
        let c = counters.withLock { c in
            if let existing = c[name] { return existing }
            let made = registry.makeCounter(descriptor: Self.descriptor(name, help))
            c[name] = made
            return made
        }
        let delta = last.withLock { l -> Int in
            let d = total - (l[name] ?? 0)
            l[name] = total
            return d
        }
        if delta > 0 { c.increment(by: Int64(delta)) }
    }
}
