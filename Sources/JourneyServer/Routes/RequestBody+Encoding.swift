import CompressNIO
import Hummingbird
import NIOCore

extension ServerState {
    /// The body, decoded as its `Content-Encoding` says (`gzip`, `deflate`, or none), at most
    /// `limit` bytes before and after decoding (413 beyond: a small compressed body cannot
    /// unpack into a large one). An unknown encoding is 415; a body that does not decode, 400.
    func decodedBody(of request: Request, limit: Int) async throws -> ByteBuffer {
        let encoding = request.headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased()
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
