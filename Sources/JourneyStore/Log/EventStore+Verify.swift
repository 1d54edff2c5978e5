import LMDBKit

extension EventStore {
    /// Walks the whole log and checks that positions are gapless from 1, every record decodes,
    /// every chain hash is `SHA-256(previous hash ‖ record)`, and the chain head in the
    /// metadata matches the last record. Stops at the first such problem.
    ///
    /// With `sealed` (the default) on an encrypted store it also opens every sealed record's
    /// properties under its customer's key: a record that does not open is listed (the walk
    /// goes on), and one of an erased customer is counted as a documented erasure. The chain
    /// alone cannot tell: a record sealed under a key that was never stored hashes fine.
    ///
    /// Reads in snapshots of `chunk` records; `progress` gets the positions checked so far.
    public func verify(sealed: Bool = true, chunk: Int = 20_000, progress: ((UInt64) -> Void)? = nil) throws(StoreError) -> VerifyReport {
        var report = VerifyReport(checked: 0, head: 0, headHash: .genesis)
        let checkSeals = sealed && keys != nil
        report.sealsChecked = checkSeals
        var expected: UInt64 = 1
        var previous = ChainHash.genesis
        var finished = false
        while !finished {
            try read { txn in
                try txn.withCursor(layout.events) { c in
                    var entry = try c.seek(atLeast: expected)
                    var n = 0
                    while let e = entry {
                        guard e.key.count == 8 else {
                            report.firstBadPosition = expected
                            report.problem = "a key of \(e.key.count) bytes in the events database (expected 8)"
                            finished = true
                            return
                        }
                        let p = Transaction.uint64(e.key)
                        guard p == expected else {
                            report.firstBadPosition = expected
                            report.problem = "position \(expected) is missing (the next record is at \(p))"
                            finished = true
                            return
                        }
                        guard let r = RecordView(e.value) else {
                            report.firstBadPosition = p
                            report.problem = "the record does not decode (format byte \(e.value.first ?? 0), \(e.value.count) bytes)"
                            finished = true
                            return
                        }
                        let computed = previous.next(over: r.body)
                        guard computed == r.chainHash else {
                            report.firstBadPosition = p
                            report.problem = "chain hash mismatch: stored \(r.chainHash.hex), computed \(computed.hex)"
                            finished = true
                            return
                        }
                        previous = computed
                        if checkSeals && r.isSealed && r.storedPropertiesBytes != nil { try checkSeal(r, position: p, report: &report, in: txn) }
                        report.checked = p
                        report.headHash = computed
                        expected = p + 1
                        n += 1
                        if n >= chunk { return }
                        entry = try c.next()
                    }
                    finished = true
                }
            }
            progress?(report.checked)
        }
        // In one snapshot: the metadata's chain head must name the last record (every commit
        // writes both), and, when the walk reached that record, carry its hash.
        let (head, meta) = try read { txn -> (UInt64, (UInt64, ChainHash)?) in
            let head: UInt64 = try txn.withCursor(layout.events) { c in
                guard let last = try c.last() else { return 0 }
                return Transaction.uint64(last.key)
            }
            guard let v = try txn.get(layout.meta, key: StoreLayout.MetaKey.chainHead), v.count == 40 else { return (head, nil) }
            return (head, (Transaction.uint64(v), ChainHash(UnsafeRawBufferPointer(rebasing: v[8..<40]))))
        }
        report.head = head
        if report.isValid {
            if let (p, h) = meta {
                if p > head {
                    report.firstBadPosition = head + 1
                    report.problem = "the metadata records a chain head at position \(p) but the log ends at \(head): records were removed"
                } else if p < head {
                    report.firstBadPosition = p + 1
                    report.problem = "the metadata records a chain head at position \(p) but the log goes on to \(head)"
                } else if p == report.checked && h != report.headHash {
                    report.firstBadPosition = p
                    report.problem = "the chain head in the metadata (\(h.hex)) does not match the last record"
                }
            } else if head > 0 {
                report.firstBadPosition = head
                report.problem = "the metadata has no chain head although the log holds \(head) records"
            }
        }
        return report
    }

    /// Opens one sealed record's properties (see ``verify(sealed:chunk:progress:)``).
    private func checkSeal(_ r: RecordView, position: UInt64, report: inout VerifyReport, in txn: Transaction) throws {
        do {
            if try keys!.openProperties(of: r, layout: layout, in: txn) == nil {
                report.erasedSealed += 1
            } else {
                report.sealsOpened += 1
            }
        } catch let e as StoreError where e.code == .corrupt {
            report.unreadableCount += 1
            if report.unreadable.count < 100 {
                report.unreadable.append(.init(position: position, eventId: r.id, customerId: r.customerId, problem: e.message))
            }
        }
    }
}
