/// Writing JSON text into a byte buffer without Foundation: the primitives every hand-written
/// encoder in the package uses (the event codec, the API's fast paths, the CLI's number output),
/// so that numbers and strings are spelled one way everywhere.
public enum JSONWriter {
    /// Appends a decimal integer.
    @inline(__always)
    public static func appendInteger(_ v: UInt64, to out: inout [UInt8]) {
        if v < 10 { out.append(UInt8(48 + v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 {
                d[n] = UInt8(48 + x % 10)
                x /= 10
                n += 1
            }
            for k in stride(from: n - 1, through: 0, by: -1) { out.append(d[k]) }
        }
    }

    /// Appends a JSON number for a finite double (shortest round-trip form).
    public static func appendDouble(_ v: Double, to out: inout [UInt8]) {
        if v == 0 && v.sign == .minus {
            out.append(contentsOf: "-0.0".utf8)  // keep the sign: it is part of the stored value
            return
        }
        if v == v.rounded(), abs(v) < 1e15 {
            if v < 0 { out.append(0x2D) }
            appendInteger(UInt64(abs(v)), to: &out)
            return
        }
        out.append(contentsOf: v.description.utf8)
    }

    /// Appends a JSON string literal for UTF-8 `bytes`, escaping `"`, `\` and control characters.
    @inline(__always)
    public static func appendString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(0x22)
        var clean = true
        for b in bytes where b < 0x20 || b == 0x22 || b == 0x5C { clean = false; break }
        if clean {
            out.append(contentsOf: bytes)
        } else {
            for b in bytes {
                switch b {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                case 0x08: out.append(0x5C); out.append(0x62)
                case 0x0C: out.append(0x5C); out.append(0x66)
                case 0..<0x20:
                    out.append(contentsOf: #"\u00"#.utf8)
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 15)])
                default: out.append(b)
                }
            }
        }
        out.append(0x22)
    }

    /// Appends a JSON string literal for `s`.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendString(UnsafeRawBufferPointer($0), to: &out) }
    }
}
