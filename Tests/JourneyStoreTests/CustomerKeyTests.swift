import JourneyStore
import Testing

@Suite struct CustomerKeyTests {
    /// The stream key handed out without an array is the one `ofStream` builds: a customer id
    /// as it is, a long one hashed, a visitor's with its prefix (the PostgreSQL log's `stream`
    /// column is written through it and read back through `ofStream`).
    @Test func theStreamKeyWithoutAnArrayIsTheStreamKey() {
        let long = String(repeating: "x", count: CustomerKey.maxInlineBytes + 1)
        let edge = String(repeating: "y", count: CustomerKey.maxInlineBytes)
        for (customer, anonymous) in [("c1", ""), ("", "visitor-9"), (long, ""), (edge, ""), ("", long), ("c2", "visitor-2")] {
            let c = Array(customer.utf8), a = Array(anonymous.utf8)
            c.withUnsafeBytes { cb in
                a.withUnsafeBytes { ab in
                    let direct = CustomerKey.withStreamKey(customer: cb, anonymous: ab) { Array($0) }
                    #expect(direct == CustomerKey.ofStream(customer: cb, anonymous: ab), "customer \(customer.prefix(8)), visitor \(anonymous.prefix(8))")
                }
            }
        }
    }
}
