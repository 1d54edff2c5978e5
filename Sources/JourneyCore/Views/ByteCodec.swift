/// Minimal binary writer/reader for view values: little-endian fixed integers and LEB128 varints.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 128) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func u8(_ v: UInt8) { bytes.append(v) }

    @inline(__always) mutating func varint(_ v: UInt64) {
        var x = v
        while x >= 0x80 {
            bytes.append(UInt8(x & 0x7F) | 0x80)
            x >>= 7
        }
        bytes.append(UInt8(x))
    }

    /// Zig-zag encoded signed varint.
    @inline(__always) mutating func svarint(_ v: Int64) {
        varint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    mutating func double(_ v: Double) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ s: String) {
        varint(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    /// Length-prefixed bytes.
    mutating func blob(_ b: [UInt8]) {
        varint(UInt64(b.count))
        bytes.append(contentsOf: b)
    }
}

/// Reads what ``ByteWriter`` wrote; any malformed input makes ``failed`` true (values read as 0).
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    var failed = false

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { index >= bytes.count }

    @inline(__always) mutating func u8() -> UInt8 {
        guard index < bytes.count else { failed = true; return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    @inline(__always) mutating func varint() -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < bytes.count, shift < 64 else { failed = true; return 0 }
            let b = bytes[index]
            index += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    @inline(__always) mutating func svarint() -> Int64 {
        let u = varint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    mutating func double() -> Double {
        guard index + 8 <= bytes.count else { failed = true; return 0 }
        defer { index += 8 }
        return Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
    }

    /// Length-prefixed bytes.
    mutating func blob() -> [UInt8] {
        let n = Int(varint())
        guard !failed, n >= 0, index + n <= bytes.count else { failed = true; return [] }
        defer { index += n }
        return Array(bytes[index..<(index + n)])
    }

    mutating func string() -> String {
        let n = Int(varint())
        guard !failed, n >= 0, index + n <= bytes.count else { failed = true; return "" }
        defer { index += n }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + n)]), as: UTF8.self)
    }
}
