/// Event names in snake_case, as the store's types are written: `Order Completed` →
/// `order_completed`, `orderCompleted` → `order_completed`, `Signed-Up!` → `signed_up`.
/// Letters are lower-cased; a run of anything but letters and digits becomes one `_`; a
/// lower-case letter or digit followed by an upper-case letter gets one in between; none at the
/// ends. A name with no letters or digits stays as it was.
public enum SnakeCase {
    public static func of(_ name: String) -> String {
        if let ascii = ofASCII(name) { return ascii }
        var out = ""
        out.reserveCapacity(name.utf8.count)
        var pendingSeparator = false
        var previousWasLowerOrDigit = false
        for c in name {
            if c.isLetter || c.isNumber {
                if c.isUppercase && previousWasLowerOrDigit { pendingSeparator = true }
                if pendingSeparator && !out.isEmpty { out.append("_") }
                pendingSeparator = false
                out.append(contentsOf: c.lowercased())
                previousWasLowerOrDigit = c.isLowercase || c.isNumber
            } else {
                pendingSeparator = true
                previousWasLowerOrDigit = false
            }
        }
        return out.isEmpty ? name : out
    }

    /// The same rules over ASCII bytes (most names), without Unicode property look-ups; `nil`
    /// for a name with any non-ASCII byte.
    static func ofASCII(_ name: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count)
        var pendingSeparator = false
        var previousWasLowerOrDigit = false
        for b in name.utf8 {
            guard b < 0x80 else { return nil }
            let upper = b >= 0x41 && b <= 0x5A, lower = b >= 0x61 && b <= 0x7A, digit = b >= 0x30 && b <= 0x39
            if upper || lower || digit {
                if upper && previousWasLowerOrDigit { pendingSeparator = true }
                if pendingSeparator && !out.isEmpty { out.append(0x5F) }
                pendingSeparator = false
                out.append(upper ? b + 0x20 : b)
                previousWasLowerOrDigit = lower || digit
            } else {
                pendingSeparator = true
                previousWasLowerOrDigit = false
            }
        }
        return out.isEmpty ? name : String(decoding: out, as: UTF8.self)
    }
}
