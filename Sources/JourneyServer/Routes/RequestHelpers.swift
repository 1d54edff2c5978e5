import Foundation
import HTTPTypes
import Hummingbird
import JourneyStore
import NIOCore
import NIOHTTP1
import JourneyJSON

/// Reading requests: bodies within the limit, content types, query parameters with clear errors.
extension ServerState {
    /// The body, at most `limit` bytes (default `maxBodyBytes`; 413 `payload_too_large` beyond).
    func body(of request: Request, limit: Int? = nil) async throws -> ByteBuffer {
        let limit = limit ?? configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw APIError.tooLarge(limit) }
        var r = request
        do {
            return try await r.collectBody(upTo: limit)
        } catch let e as HTTPError where e.status == .contentTooLarge {
            throw APIError.tooLarge(limit)
        } catch is NIOTooManyBytesError {
            // A chunked (or otherwise streamed) body that grew past the limit.
            throw APIError.tooLarge(limit)
        } catch let e as HTTPParserError {
            var api = APIError.badRequest("the request body is incomplete or malformed (\(e.debugDescription)): a body shorter than its Content-Length, or a broken chunked encoding")
            api.closeConnection = true
            throw api
        }
    }
}

/// The request's media type without parameters, lower-cased (nil when absent).
func mediaType(_ request: Request) -> String? {
    guard let value = request.headers[.contentType] else { return nil }
    let utf8 = value.utf8
    return headerToken(utf8[..<(utf8.firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex)])
}

/// A header value's token: without the spaces and tabs around it (HTTP's optional white
/// space), ASCII letters lower-cased. A byte scan: Foundation's `trimmingCharacters` bridges
/// through `NSString` and cost more than the rest of a small append's request.
func headerToken(_ value: some Collection<UInt8>) -> String {
    var bytes = Array(value)
    while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
    let start = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? bytes.endIndex
    for i in start..<bytes.endIndex where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] |= 0x20 }
    return String(decoding: bytes[start...], as: UTF8.self)
}

/// A request's `Content-Encoding` as a lower-cased token (nil when absent).
func contentEncoding(_ request: Request) -> String? {
    request.headers[.contentEncoding].map { headerToken($0.utf8) }
}

/// Refuses a body whose content type is not JSON (a missing type is taken as JSON).
func requireJSON(_ request: Request) throws {
    if let type = mediaType(request), type != "application/json" {
        throw APIError.unsupportedMediaType(type, expected: ["application/json"])
    }
}

/// A whole-number query parameter within bounds, or nil when absent.
func integer(_ request: Request, _ name: String, min: UInt64 = 0, max: UInt64 = UInt64(Int64.max)) throws -> UInt64? {
    guard let text = request.uri.queryParameters.get(name) else { return nil }
    guard let v = UInt64(text), v >= min, v <= max else {
        throw APIError.badRequest("\(name): expected a whole number \(min)…\(max), got \(text)")
    }
    return v
}

/// A boolean query parameter (`true`/`false`/`1`/`0`; anything else, the empty value too, is
/// 400), or nil when absent.
func boolean(_ request: Request, _ name: String) throws -> Bool? {
    guard let text = request.uri.queryParameters.get(name) else { return nil }
    switch text.lowercased() {
    case "true", "1": return true
    case "false", "0": return false
    default: throw APIError.badRequest("\(name): expected true or false, got \(text)")
    }
}

/// An RFC 3339 time query parameter, or nil when absent.
func time(_ request: Request, _ name: String) throws -> Timestamp? {
    guard let text = request.uri.queryParameters.get(name) else { return nil }
    switch Timestamp.parse(text) {
    case .success(let t): return t
    case .failure(let e): throw APIError.badRequest("\(name): \(e.reason), got \"\(text)\"")
    }
}

/// The path parameter `name`, percent-decoded (the router matches the raw path, so
/// `/v1/customers/a%20b` names customer `a b` and `p%2Fq` names `p/q`). Decoded once, here.
func pathParameter(_ context: some RequestContext, _ name: String) throws -> String {
    guard let raw = context.parameters.get(name), !raw.isEmpty else { throw APIError.badRequest("missing path parameter \(name)") }
    // A byte scan: `String.contains(_: String)` goes through Foundation's NSString search.
    guard raw.utf8.contains(UInt8(ascii: "%")) else { return raw }
    guard let v = raw.removingPercentEncoding else {
        throw APIError.badRequest("\(name) in the path: malformed percent-encoding (expected %XX escapes of UTF-8 bytes), got \(raw)")
    }
    guard !v.isEmpty else { throw APIError.badRequest("missing path parameter \(name)") }
    return v
}

/// Whether the client asked for NDJSON (`Accept: application/x-ndjson`).
func wantsNDJSON(_ request: Request) -> Bool {
    guard let accept = request.headers[.accept] else { return false }
    return accept.utf8.firstRange(of: "application/x-ndjson".utf8) != nil
}

/// Events as NDJSON (one event a line, as `journeyctl events` prints them); the next cursor in
/// the `Journey-Next` header.
func eventLines(_ events: [StoredEvent], next: UInt64?) -> Response {
    var out: [UInt8] = []
    out.reserveCapacity(events.count * 320)
    for e in events {
        e.withView { EventJSON.append($0, position: e.position, to: &out) }
        out.append(0x0A)
    }
    var response = JSONResponse.raw(out, contentType: "application/x-ndjson")
    if let next { response.headers[HTTPField.Name("Journey-Next")!] = String(next) }
    return response
}

/// `{"events":[…],"next":…}` with events in their public JSON shape.
func eventPage(_ events: [StoredEvent], next: UInt64?) -> Response {
    var out: [UInt8] = Array(#"{"events":["#.utf8)
    out.reserveCapacity(events.count * 320 + 32)
    for (i, e) in events.enumerated() {
        if i > 0 { out.append(0x2C) }
        e.withView { EventJSON.append($0, position: e.position, to: &out) }
    }
    out.append(contentsOf: #"],"next":"#.utf8)
    if let next { JSONWriter.appendInteger(next, to: &out) } else { out.append(contentsOf: "null".utf8) }
    out.append(0x7D)
    return JSONResponse.raw(out)
}
