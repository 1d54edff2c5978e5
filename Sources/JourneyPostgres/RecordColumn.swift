import JourneyStore
import NIOCore
import PostgresNIO

/// One column of records as a PostgreSQL one-dimensional array in binary form, written
/// straight from the records when the statement is built: no array of values per column, no
/// buffer per record. The rows of an `INSERT … SELECT * FROM unnest(…)`.
struct RecordColumn: PostgresDynamicTypeEncodable {
    enum Field { case position, id, stream, version, record }

    /// Where the records are.
    enum Source {
        /// Just written by the writer's transaction (read while the statement is built).
        case written(WrittenRecords)
        /// Copied out of a store (a migration).
        case records(ArraySlice<UpstreamRecord>)

        var count: Int {
            switch self {
            case .written(let w): w.count
            case .records(let r): r.count
            }
        }

        /// Calls `body` with the last record's position and bytes.
        func withLast<R>(_ body: (UInt64, UnsafeRawBufferPointer) -> R) -> R {
            switch self {
            case .written(let w): body(w.first + UInt64(w.count - 1), w.records.last!)
            case .records(let r): r.last!.bytes.withUnsafeBytes { body(r.last!.position, $0) }
            }
        }
    }

    let source: Source
    let field: Field

    var psqlType: PostgresDataType {
        switch field {
        case .position, .version: .int8Array
        case .id: .textArray
        case .stream, .record: .byteaArray
        }
    }

    var psqlFormat: PostgresFormat { .binary }

    private var elementType: PostgresDataType {
        switch field {
        case .position, .version: .int8
        case .id: .text
        case .stream, .record: .bytea
        }
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        // Dimensions, whether any element is null, the element type, then per dimension its
        // length and lower bound; then each element as its length (Int32) and bytes.
        let count = source.count
        buffer.writeInteger(count == 0 ? 0 : 1, as: Int32.self)
        buffer.writeInteger(0, as: Int32.self)
        buffer.writeInteger(elementType.rawValue)
        guard count > 0 else { return }
        buffer.writeInteger(Int32(count))
        buffer.writeInteger(1, as: Int32.self)
        switch source {
        case .written(let w): write(w, into: &buffer)
        case .records(let r): write(r, into: &buffer)
        }
    }

    private func write(_ w: WrittenRecords, into buffer: inout ByteBuffer) {
        switch field {
        case .position:
            buffer.reserveCapacity(minimumWritableBytes: w.count * 12)
            for i in 0..<w.count { buffer.writeMultipleIntegers(Int32(8), Int64(w.first) + Int64(i)) }
        case .version:
            buffer.reserveCapacity(minimumWritableBytes: w.count * 12)
            for r in w.records { buffer.writeMultipleIntegers(Int32(8), Int64(RecordView(r)!.version)) }
        case .id:
            for r in w.records { writeElement(RecordView(r)!.idBytes, into: &buffer) }
        case .stream:
            for r in w.records {
                let v = RecordView(r)!
                CustomerKey.withStreamKey(customer: v.customerIdBytes, anonymous: v.anonymousIdBytes) { writeElement($0, into: &buffer) }
            }
        case .record:
            buffer.reserveCapacity(minimumWritableBytes: w.records.reduce(0) { $0 + 4 + $1.count })
            for r in w.records { writeElement(r, into: &buffer) }
        }
    }

    private func write(_ records: ArraySlice<UpstreamRecord>, into buffer: inout ByteBuffer) {
        for r in records {
            switch field {
            case .position: buffer.writeMultipleIntegers(Int32(8), Int64(r.position))
            case .version: buffer.writeMultipleIntegers(Int32(8), Int64(r.version))
            case .id:
                buffer.writeInteger(Int32(r.id.utf8.count))
                buffer.writeString(r.id)
            case .stream: r.stream.withUnsafeBytes { writeElement($0, into: &buffer) }
            case .record: r.bytes.withUnsafeBytes { writeElement($0, into: &buffer) }
            }
        }
    }

    @inline(__always)
    private func writeElement(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(bytes.count))
        buffer.writeBytes(bytes)
    }
}

extension PostgresQuery.StringInterpolation {
    /// `unnest(…)` of the records' columns (position, event id, stream, version, record), one
    /// array parameter each (``RecordColumn``): the rows of an `INSERT … SELECT * FROM`.
    mutating func appendInterpolation(unnest records: RecordColumn.Source) {
        appendLiteral("unnest(")
        appendInterpolation(RecordColumn(source: records, field: .position))
        appendLiteral("::bigint[], ")
        appendInterpolation(RecordColumn(source: records, field: .id))
        appendLiteral("::text[], ")
        appendInterpolation(RecordColumn(source: records, field: .stream))
        appendLiteral("::bytea[], ")
        appendInterpolation(RecordColumn(source: records, field: .version))
        appendLiteral("::bigint[], ")
        appendInterpolation(RecordColumn(source: records, field: .record))
        appendLiteral("::bytea[])")
    }
}
