/// One request to the log's writer: the work, prepared by the caller, and the ticket that gets
/// its outcome. Every way into the log (appends of every kind, erasures) is one of these.
struct WriterRequest: Sendable {
    enum Work: Sendable {
        case append(PreparedAppend)
        case erase(ErasureRequest)
        case identity(IdentityRequest)
        /// Nothing to write: on a node whose log is upstream, take in what other nodes committed
        /// (see ``EventStore/catchUp()``); elsewhere, answered at once.
        case sync
    }

    var work: Work
    let ticket: AppendTicket

    /// Events the work writes at most (a group commit fills up to a bound of these).
    var eventCount: Int {
        switch work {
        case .append(let p): p.events.count
        case .erase, .identity: 1
        case .sync: 0
        }
    }

    func complete(_ result: Result<AppendResult, StoreError>) { ticket.fulfil(result) }
}
