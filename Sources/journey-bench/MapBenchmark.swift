import Foundation
import JourneyCore
import JourneyStore

extension Benchmarks {
    /// The journey map's queries over the dataset, in process: the whole map, the map of a
    /// segment over a cohort window (read from the journeys), paths, customers at risk.
    func map(_ store: EventStore) throws {
        let engine = try JourneyEngine(store: store, configuration: Benchmarks.engineConfiguration)
        var doc = try JSONSerialization.jsonObject(with: Data(try engine.queries.activeModel().document.utf8)) as! [String: Any]
        if (doc["segments"] as? [Any])?.isEmpty ?? true {
            // The dataset has no identify events: a segment of everyone without a plan trait.
            doc["version"] = "bench-segments"
            doc["segments"] = [["id": "no-plan", "criteria": [["trait": "plan", "op": "exists", "value": false]]]]
            let start = Date()
            _ = try engine.rebuilder.activate(try JourneyModel.parse(String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)))
            print("activated a model with one segment (a rebuild): \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        }
        try engine.live.catchUp()
        func time(_ name: String, _ n: Int, _ body: () throws -> Void) rethrows {
            var ms: [Double] = []
            for _ in 0..<n {
                let t = Date()
                try body()
                ms.append(Date().timeIntervalSince(t) * 1000)
            }
            ms.sort()
            let p = { (q: Double) in ms[min(ms.count - 1, Int((Double(ms.count) * q).rounded(.up)) - 1)] }
            print("\(name.padding(toLength: 58, withPad: " ", startingAt: 0)) p50 \(String(format: "%7.2f", p(0.5))) ms   p99 \(String(format: "%7.2f", p(0.99))) ms   (\(n) runs)")
        }
        try time("map (everyone)", 200) { _ = try engine.queries.map(MapQuery()) }
        var q = MapQuery()
        q.segment = "no-plan"
        try time("map of a segment", 200) { _ = try engine.queries.map(q) }
        q.from = Timestamp(rfc3339: "2026-01-15T00:00:00Z")
        q.to = Timestamp(rfc3339: "2026-02-15T00:00:00Z")
        let cohort = try engine.queries.map(q).customers
        try time("map of a segment over a one-month cohort (\(cohort) customers)", 30) { _ = try engine.queries.map(q) }
        try time("paths of the decision stage", 50) { _ = try engine.queries.mapPaths(stage: "decision") }
        try time("customers at risk, a page of 100", 50) { _ = try engine.queries.atRisk(limit: 100) }
    }
}
