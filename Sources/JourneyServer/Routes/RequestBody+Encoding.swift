import CompressNIO
import JourneyStore
import Hummingbird
import NIOCore
import NIOHTTP1

extension ServerState {
    /// The body, decoded as its `Content-Encoding` says (`gzip`, `deflate`, or none), at most
    /// `limit` bytes before and after decoding (413 beyond: a small compressed body cannot
    /// unpack into a large one). An unknown encoding is 415; a body that does not decode, 400.
    func decodedBody(of request: Request, limit: Int) async throws -> ByteBuffer {
        let encoding = contentEncoding(request)
        var raw = try await body(of: request, limit: limit)
        let algorithm: CompressionAlgorithm
        switch encoding {
        case nil, "", "identity": return raw
        case "gzip", "x-gzip": algorithm = .gzip()
        case "deflate": algorithm = .zlib()
        case let other?:
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "Content-Encoding: expected gzip, deflate or none, got \(other)")
        }
        do {
            return try raw.decompress(with: algorithm, maxSize: limit)
        } catch let e as CompressNIOError where e == .bufferOverflow {
            var api = APIError(.contentTooLarge, "payload_too_large", "the request body unpacks to more than the limit of \(limit) bytes")
            api.closeConnection = false
            throw api
        } catch {
            throw APIError.badRequest("the body does not decode as Content-Encoding \(encoding!): \(error)")
        }
    }
}

extension ServerState {
    /// An NDJSON body (no `Content-Encoding`) parsed as it arrives (``NDJSONStreamParser``): the
    /// body is never held whole, and parsing overlaps receiving. It is still one batch, appended
    /// atomically once the body has ended. At most `limit` bytes (413 beyond); after a bad line
    /// the rest of the body is read (and dropped) before the error is answered, so the connection
    /// stays usable.
    func streamedNDJSON(of request: Request, limit: Int) async throws -> [NewEvent] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw APIError.tooLarge(limit) }
        var stream = NDJSONStreamParser(parser: parser)
        var received = 0
        var failure: StoreError?
        do {
            for try await chunk in request.body {
                received += chunk.readableBytes
                if received > limit { throw APIError.tooLarge(limit) }
                guard failure == nil else { continue }
                if case .failure(let e) = chunk.withUnsafeReadableBytes({ raw throws(StoreError) in try stream.feed(raw) }) {
                    failure = e
                }
            }
        } catch let e as HTTPParserError {
            var api = APIError.badRequest("the request body is incomplete or malformed (\(e.debugDescription)): a body shorter than its Content-Length, or a broken chunked encoding")
            api.closeConnection = true
            throw api
        }
        if let failure { throw failure }
        return try stream.finish()
    }
}
