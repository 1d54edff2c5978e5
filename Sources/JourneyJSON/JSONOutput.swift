public import Foundation

/// The JSON encoding shared by the CLI's `--json`, the HTTP API and the small metadata records
/// the store keeps: compact, keys sorted, slashes unescaped, so every layer prints the same
/// shapes byte for byte. ``decode(_:from:)`` is its counterpart.
public enum JSONOutput {
    /// Encodes `value` as compact JSON text.
    public static func encode(_ value: some Encodable) -> String {
        String(decoding: data(value), as: UTF8.self)
    }

    /// Encodes `value` as compact JSON bytes.
    public static func data(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            return Data("{\"error\":\"cannot encode: \(error)\"}".utf8)
        }
    }

    /// Encodes `value` as compact JSON bytes in an array.
    public static func bytes(_ value: some Encodable) -> [UInt8] { Array(data(value)) }

    /// Decodes a value written by ``data(_:)`` (or any JSON of its shape); the error says why not.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws(JSONDecodeFailure) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw JSONDecodeFailure(description: "\(error)")
        }
    }
}

/// Why ``JSONOutput/decode(_:from:)`` failed.
public struct JSONDecodeFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
}
