import Foundation
import JourneyStore

/// `journeyctl ingest --server`: lines are checked here with the same parser the server uses
/// (bad lines are reported with their numbers and never sent), then sent as NDJSON batches, each
/// one atomic append on the server. An id conflict found by the server rejects that line and
/// the rest of its batch is sent again.
struct RemoteIngest {
    let client: RemoteClient
    let options: IngestOptions

    struct AppendReply: Decodable {
        var written: Int
        var duplicates: Int
        var headPosition: UInt64
    }

    func run(fd: Int32, report: (IngestEvent) -> Void) async throws -> IngestSummary {
        let started = ContinuousClock.now
        let box = SummaryBox()
        var reader = LineReader(fd: fd, maxLineBytes: EventLimits().maxEventBytes)
        let parser = EventParser()
        var batch: [(line: Int, bytes: [UInt8])] = []
        var stop = false

        func reject(_ line: Int, code: String, field: String?, message: String) {
            var summary = box.value
            defer { box.value = summary }
            summary.rejected += 1
            var r = IngestRejection(line: line, error: StoreError(.invalidEvent, message, field: field))
            r.code = code
            if summary.rejections.count < options.maxRejectionsListed { summary.rejections.append(r) }
            report(.rejected(r))
            if options.strict && summary.stoppedAtLine == nil {
                summary.stoppedAtLine = line
                stop = true
            }
        }

        while !stop {
            var ready: [[(line: Int, bytes: [UInt8])]] = []
            let more: Bool
            do throws(LineReader.ReadError) {
                more = try reader.nextChunk { number, line in
                    guard !stop else { return }
                    box.value.lines += 1
                    switch line {
                    case .tooLong(let n):
                        reject(number, code: "invalid_event", field: "event", message: "event: expected at most \(EventLimits().maxEventBytes) bytes, got \(n)")
                    case .text(let bytes):
                        do throws(StoreError) {
                            _ = try parser.parse(bytes)
                            batch.append((number, Array(bytes)))
                            if batch.count >= options.batchSize {
                                ready.append(batch)
                                batch = []
                            }
                        } catch {
                            reject(number, code: error.code.rawValue, field: error.field, message: error.message)
                        }
                    }
                }
            } catch {
                throw CLIError("cannot read the input: \(error.reason)")
            }
            if !more && !stop && !batch.isEmpty {
                ready.append(batch)
                batch = []
            }
            for b in ready {
                try await send(b, box: box) { reject($0, code: $1, field: $2, message: $3) }
                if stop && options.strict { break }
            }
            if !more { break }
        }
        var summary = box.value
        let c = (ContinuousClock.now - started).components
        summary.seconds = Double(c.seconds) + Double(c.attoseconds) / 1e18
        summary.eventsPerSecond = summary.seconds > 0 ? Double(summary.written + summary.duplicates) / summary.seconds : 0
        if summary.headPosition == 0 {
            summary.headPosition = (try? await client.json(StoreStatistics.self, "GET", "/v1/stats").headPosition) ?? 0
        }
        return summary
    }

    private func send(_ batch: [(line: Int, bytes: [UInt8])], box: SummaryBox,
                      reject: (Int, String, String?, String) -> Void) async throws {
        var lines = batch
        while !lines.isEmpty {
            var body = Data()
            for l in lines {
                body.append(contentsOf: l.bytes)
                body.append(0x0A)
            }
            let reply = try await client.send("POST", "/v1/events", body: body, contentType: "application/x-ndjson", problemsAsReplies: true)
            if reply.status == 200 {
                let r = try JSONDecoder().decode(AppendReply.self, from: reply.body)
                box.value.written += r.written
                box.value.duplicates += r.duplicates
                box.value.headPosition = r.headPosition
                return
            }
            let problem = (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any] ?? [:]
            let type = problem["type"] as? String ?? "http_\(reply.status)"
            let detail = problem["detail"] as? String ?? ""
            guard ["event_id_conflict", "invalid_event"].contains(type), let index = problem["index"] as? Int, index < lines.count else {
                throw CLIError(detail.isEmpty ? "the server answered \(reply.status)" : detail, exitCode: reply.status < 500 && reply.status != 401 && reply.status != 403 ? 2 : 1)
            }
            reject(lines[index].line, type, problem["field"] as? String, detail.replacingOccurrences(of: "line \(index + 1): ", with: ""))
            if options.strict { return }
            lines.remove(at: index)
        }
    }
}

/// The running counts, shared by the steps of one remote ingest (a class: several closures update it).
final class SummaryBox {
    var value = IngestSummary()
}
