/// Event names in snake_case, as the store's types are written: `Order Completed` →
/// `order_completed`, `orderCompleted` → `order_completed`, `Signed-Up!` → `signed_up`.
/// Letters are lower-cased; a run of anything but letters and digits becomes one `_`; a
/// lower-case letter or digit followed by an upper-case letter gets one in between; none at the
/// ends. A name with no letters or digits stays as it was.
public enum SnakeCase {
    public static func of(_ name: String) -> String {
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
}
