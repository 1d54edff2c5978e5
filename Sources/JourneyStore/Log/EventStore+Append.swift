public import Dispatch

extension EventStore {
    /// Queues `work` for the writer and returns its ticket at once (see ``EventLog/submit(_:preparingOn:)``).
    ///
    /// The preparation (validation, ids, encoding, sealing) runs on the caller's thread, or on
    /// `queue` when one is given; a failure of it is the ticket's result, and nothing is queued.
    /// Work queued one after another commits in that order (on one serial `queue`, in the order
    /// it was enqueued there).
    public func submit(_ work: LogWork, preparingOn queue: DispatchQueue? = nil) -> AppendTicket {
        let ticket = AppendTicket()
        if configuration.upstream == nil, let name = replicaOf {
            ticket.fulfil(.failure(replicaWithoutUpstream(name)))
            return ticket
        }
        let prepareAndQueue: @Sendable () -> Void = { [self] in
            do throws(StoreError) {
                let prepared: WriterRequest.Work
                switch work {
                case .append(let events, let expectations):
                    let p = try prepare(events, expectations: expectations)
                    if p.events.isEmpty {
                        ticket.fulfil(.success(AppendResult(events: [], headPosition: try headPosition())))
                        return
                    }
                    prepared = .append(p)
                case .erase(let customerId, let actor, let reason, let kept, let expectedVersion):
                    prepared = .erase(try erasureRequest(customerId, by: actor, reason: reason, kept: kept, expectedVersion: expectedVersion))
                case .merge(let from, let into, let actor, let reason):
                    prepared = .identity(try identityRequest(from: from, into: into, unmerge: false, by: actor, reason: reason))
                case .unmerge(let from, let into, let actor, let reason):
                    prepared = .identity(try identityRequest(from: from, into: into, unmerge: true, by: actor, reason: reason))
                }
                writer.submit(WriterRequest(work: prepared, ticket: ticket))
            } catch {
                ticket.fulfil(.failure(error))
            }
        }
        if let queue { queue.async(execute: prepareAndQueue) } else { prepareAndQueue() }
        return ticket
    }

    func prepare(_ events: [NewEvent], expectations: [String: ExpectedVersion]) throws(StoreError) -> PreparedAppend {
        var ids: [String] = []
        ids.reserveCapacity(events.count)
        let now = Timestamp.now()
        let limits = configuration.limits
        // By index, not `enumerated()`: that copies every event (and retains its strings).
        for i in events.indices {
            do {
                try events[i].validate(limits: limits)
            } catch {
                var err = error
                err.index = i
                if events.count > 1 { err.message = "event [\(i)]: " + err.message }
                throw err
            }
            ids.append(events[i].id ?? EventID.generate(at: now))
        }
        for customer in expectations.keys {
            do {
                try NewEvent(customerId: customer, type: "x").validate(limits: configuration.limits)
            } catch {
                throw StoreError.invalid("customerId", "expected version given for an invalid customer id: \(error.message)")
            }
        }
        guard let keys else { return PreparedAppend(events: events, ids: ids, expectations: expectations) }
        let customerKeys = events.map { $0.stream.key }
        let sealing = try keys.sealingKeys(for: customerKeys, layout: layout, env: env)
        return PreparedAppend(events: events, ids: ids, expectations: expectations, sealing: (customerKeys, sealing))
    }
}
