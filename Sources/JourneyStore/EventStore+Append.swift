public import Dispatch

extension EventStore {
    /// Appends `events` (any customers) all-or-nothing in one durable commit, together with
    /// other appends that arrive meanwhile (group commit).
    ///
    /// - Events without an `id` get a generated UUIDv7. An event whose id is already in the log
    ///   with the same content is not written again and comes back with `duplicate: true` and its
    ///   original position; with different content the whole append fails (`event_id_conflict`).
    /// - `expectations` are checked against each named customer's stream before anything is
    ///   written (`wrong_expected_version` reports expected and actual). They are skipped when
    ///   every event is a duplicate, so retrying a whole append is safe.
    /// - Invalid events fail the append (`invalid_event`, with the event's index); nothing is written.
    public func append(_ events: [NewEvent], expectations: [String: ExpectedVersion] = [:]) async throws(StoreError) -> AppendResult {
        let request = try prepare(events, expectations: expectations)
        if request.events.isEmpty { return AppendResult(events: [], headPosition: try headPosition()) }
        let result: Result<AppendResult, StoreError> = await withCheckedContinuation { continuation in
            writer.submit(AppendRequest(prepared: request) {
                continuation.resume(returning: $0)
            })
        }
        return try result.get()
    }

    /// Appends one event (see ``append(_:expectations:)``).
    public func append(_ event: NewEvent, expected: ExpectedVersion = .any) async throws(StoreError) -> AppendedEvent {
        let result = try await append([event], expectations: expected == .any ? [:] : [event.customerId: expected])
        return result.events[0]
    }

    /// Queues an append and returns at once; await ``AppendTicket/result()`` for its outcome.
    /// Appends queued one after another commit in that order. Validation errors throw here.
    public func enqueue(_ events: [NewEvent], expectations: [String: ExpectedVersion] = [:]) throws(StoreError) -> AppendTicket {
        let request = try prepare(events, expectations: expectations)
        if request.events.isEmpty {
            return AppendTicket(immediate: .success(AppendResult(events: [], headPosition: try headPosition())))
        }
        let ticket = AppendTicket()
        writer.submit(AppendRequest(prepared: request) {
            ticket.fulfil($0)
        })
        return ticket
    }

    /// ``enqueue(_:expectations:)`` with the preparation (validation, encoding, sealing) done
    /// on `queue` instead of the caller's thread, so a producer can go on meanwhile (the
    /// ingester parses the next lines while the previous batch is sealed). `queue` must be
    /// serial: requests reach the writer in the order they were enqueued on it. A failure of
    /// the preparation is the ticket's result.
    public func enqueue(_ events: [NewEvent], preparingOn queue: DispatchQueue) -> AppendTicket {
        let ticket = AppendTicket()
        queue.async { [self] in
            do throws(StoreError) {
                let request = try prepare(events, expectations: [:])
                if request.events.isEmpty {
                    ticket.fulfil(.success(AppendResult(events: [], headPosition: try headPosition())))
                    return
                }
                writer.submit(AppendRequest(prepared: request) { ticket.fulfil($0) })
            } catch {
                ticket.fulfil(.failure(error))
            }
        }
        return ticket
    }

    /// The blocking form of ``append(_:expectations:)`` for synchronous callers (not for use on
    /// the Swift concurrency pool, which it would block).
    public func appendBlocking(_ events: [NewEvent], expectations: [String: ExpectedVersion] = [:]) throws(StoreError) -> AppendResult {
        let request = try prepare(events, expectations: expectations)
        if request.events.isEmpty { return AppendResult(events: [], headPosition: try headPosition()) }
        let box = ResultBox()
        writer.submit(AppendRequest(prepared: request) {
            box.set($0)
        })
        return try box.wait().get()
    }

    func prepare(_ events: [NewEvent], expectations: [String: ExpectedVersion]) throws(StoreError) -> PreparedAppend {
        var ids: [String] = []
        ids.reserveCapacity(events.count)
        let now = Timestamp.now()
        for (i, e) in events.enumerated() {
            do {
                try e.validate(limits: configuration.limits)
            } catch {
                var err = error
                err.index = i
                if events.count > 1 { err.message = "event [\(i)]: " + err.message }
                throw err
            }
            ids.append(e.id ?? EventID.generate(at: now))
        }
        for customer in expectations.keys {
            do {
                try NewEvent(customerId: customer, type: "x").validate(limits: configuration.limits)
            } catch {
                throw StoreError.invalid("customerId", "expected version given for an invalid customer id: \(error.message)")
            }
        }
        guard let keys else { return PreparedAppend(events: events, ids: ids, expectations: expectations) }
        let customerKeys = events.map { StoreLayout.customerKey($0.customerId) }
        let sealing = try keys.sealingKeys(for: customerKeys, layout: layout, env: env)
        return PreparedAppend(events: events, ids: ids, expectations: expectations, sealing: (customerKeys, sealing))
    }
}

/// Hands one result from the writer thread to a blocked caller.
final class ResultBox: @unchecked Sendable {
    // Safe to share: `value` is written once before `semaphore.signal()` and read after `wait()`.
    private var value: Result<AppendResult, StoreError>?
    private let semaphore = DispatchSemaphore(value: 0)

    func set(_ v: Result<AppendResult, StoreError>) {
        value = v
        semaphore.signal()
    }

    func wait() -> Result<AppendResult, StoreError> {
        semaphore.wait()
        return value!
    }
}
