import Foundation
import JourneyStore
import Synchronization

/// An ingest's batches sent to a server, as NDJSON appends (`POST /v1/events`), one after
/// another in the order they were queued: the same ingester, batching and rejections as a
/// local ingest, within the server's limits (events and whole bodies).
final class RemoteAppender: BatchAppender {
    let client: RemoteClient
    let limits: EventLimits
    let maxBatchBytes: Int?
    /// The send of the batch queued last (the next waits for it).
    private let last = Mutex<Task<Void, Never>?>(nil)

    init(client: RemoteClient, limits server: RequestLimits) {
        self.client = client
        var l = EventLimits()
        l.maxEventBytes = server.maxEventBytes
        limits = l
        maxBatchBytes = server.maxBodyBytes
    }

    func submit(_ work: LogWork, preparingOn queue: DispatchQueue?) -> AppendTicket {
        let ticket = AppendTicket()
        guard case .append(let events, let expectations) = work, expectations.isEmpty else {
            ticket.fulfil(.failure(StoreError(.invalidArgument, "an ingest sends appends without expected versions")))
            return ticket
        }
        let client = client
        last.withLock { previous in
            let before = previous
            previous = Task {
                await before?.value
                var body = Data()
                for e in events {
                    body.append(contentsOf: e.jsonBytes)
                    body.append(0x0A)
                }
                do {
                    // Foreign messages (Segment's, CloudEvents) are duplicates by id alone.
                    let byId = events.first?.idempotency == .idOnly
                    ticket.fulfil(.success(try await client.json(AppendResult.self, "POST", "/v1/events", query: [("duplicates", byId ? "id" : nil)],
                                                                  body: body, contentType: "application/x-ndjson")))
                } catch {
                    ticket.fulfil(.failure(StoreError.wrap(error)))
                }
            }
        }
        return ticket
    }

    func currentHead() async throws(StoreError) -> UInt64 {
        do {
            return try await client.statistics().headPosition
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
