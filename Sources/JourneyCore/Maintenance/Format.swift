import Foundation

/// Number formatting for people: `1,234,567`, `12.3 MiB`.
public enum Format {
    public static func count<T: BinaryInteger>(_ n: T) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    public static func rate(_ perSecond: Double) -> String {
        count(Int(perSecond.rounded())) + "/s"
    }

    public static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var u = 0
        while v >= 1024 && u < units.count - 1 {
            v /= 1024
            u += 1
        }
        return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
    }

    public static func seconds(_ s: Double) -> String {
        String(format: "%.2f s", s)
    }
}
