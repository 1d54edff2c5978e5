import JourneyStore
import NIOCore
import PostgresNIO

/// One column of records (``UpstreamRecord``) as a PostgreSQL one-dimensional array in binary
/// form, written straight from the records when the statement is built: no array of values per
/// column, no buffer per record. The rows of an `INSERT … SELECT * FROM unnest(…)`.
struct RecordColumn: PostgresDynamicTypeEncodable {
    enum Field { case position, id, stream, version, record }

    let records: ArraySlice<UpstreamRecord>
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
        buffer.writeInteger(records.isEmpty ? 0 : 1, as: Int32.self)
        buffer.writeInteger(0, as: Int32.self)
        buffer.writeInteger(elementType.rawValue)
        guard !records.isEmpty else { return }
        buffer.writeInteger(Int32(records.count))
        buffer.writeInteger(1, as: Int32.self)
        switch field {
        case .position:
            buffer.reserveCapacity(minimumWritableBytes: records.count * 12)
            for r in records { buffer.writeMultipleIntegers(Int32(8), Int64(r.position)) }
        case .version:
            buffer.reserveCapacity(minimumWritableBytes: records.count * 12)
            for r in records { buffer.writeMultipleIntegers(Int32(8), Int64(r.version)) }
        case .id:
            buffer.reserveCapacity(minimumWritableBytes: records.reduce(0) { $0 + 4 + $1.id.utf8.count })
            for r in records {
                buffer.writeInteger(Int32(r.id.utf8.count))
                buffer.writeString(r.id)
            }
        case .stream:
            buffer.reserveCapacity(minimumWritableBytes: records.reduce(0) { $0 + 4 + $1.stream.count })
            for r in records {
                buffer.writeInteger(Int32(r.stream.count))
                buffer.writeBytes(r.stream)
            }
        case .record:
            buffer.reserveCapacity(minimumWritableBytes: records.reduce(0) { $0 + 4 + $1.bytes.count })
            for r in records {
                buffer.writeInteger(Int32(r.bytes.count))
                buffer.writeBytes(r.bytes)
            }
        }
    }
}

extension PostgresQuery.StringInterpolation {
    /// `unnest(…)` of the records' columns (position, event id, stream, version, record), one
    /// array parameter each (``RecordColumn``): the rows of an `INSERT … SELECT * FROM`.
    mutating func appendInterpolation(unnest records: ArraySlice<UpstreamRecord>) {
        appendLiteral("unnest(")
        appendInterpolation(RecordColumn(records: records, field: .position))
        appendLiteral("::bigint[], ")
        appendInterpolation(RecordColumn(records: records, field: .id))
        appendLiteral("::text[], ")
        appendInterpolation(RecordColumn(records: records, field: .stream))
        appendLiteral("::bytea[], ")
        appendInterpolation(RecordColumn(records: records, field: .version))
        appendLiteral("::bigint[], ")
        appendInterpolation(RecordColumn(records: records, field: .record))
        appendLiteral("::bytea[])")
    }
}
