import Foundation
public import JourneyStore
import JourneyJSON

extension CloudEventMapper {
    /// Binary mode: the attributes in `ce-` headers (names case-insensitive, values
    /// percent-decoded as the HTTP binding says), `Content-Type` the `datacontenttype`, the body
    /// the `data` (JSON when the content type is JSON, `application/json` or `…+json`; text
    /// otherwise; bytes that are not UTF-8 as `data_base64`). Mapped as a structured event.
    public func event(headers: [(name: String, value: String)], contentType: String?, body: UnsafeRawBufferPointer, receivedAt: Timestamp) throws(StoreError) -> NewEvent {
        var out: [UInt8] = [0x7B]
        var seen = Set<String>()
        for (name, value) in headers {
            let lower = name.lowercased()
            guard lower.hasPrefix("ce-"), lower.count > 3 else { continue }
            let attribute = String(lower.dropFirst(3))
            guard seen.insert(attribute).inserted, attribute != "data", attribute != "data_base64" else { continue }
            if out.count > 1 { out.append(0x2C) }
            JSONWriter.appendString(attribute, to: &out)
            out.append(0x3A)
            JSONWriter.appendString(value.removingPercentEncoding ?? value, to: &out)
        }
        if let contentType, !seen.contains("datacontenttype") {
            if out.count > 1 { out.append(0x2C) }
            JSONWriter.appendString("datacontenttype", to: &out)
            out.append(0x3A)
            JSONWriter.appendString(contentType, to: &out)
        }
        if !body.isEmpty {
            let media = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "application/json"
            if out.count > 1 { out.append(0x2C) }
            if media == "application/json" || media.hasSuffix("+json") || media == "text/json" {
                JSONWriter.appendString("data", to: &out)
                out.append(0x3A)
                if body.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == 0x7B {
                    // An object is kept compact, as sent; other JSON values through JSONValue.
                    do {
                        out.append(contentsOf: try JSONObjectText(validating: body).bytes)
                    } catch {
                        throw StoreError.invalid("data", "the body (Content-Type \(media)) is not valid JSON: \(error.message)")
                    }
                } else {
                    switch JSONValue.parseOrExplain(body) {
                    case .success(let v): out.append(contentsOf: Array(v.jsonText.utf8))
                    case .failure(let e): throw StoreError.invalid("data", "the body (Content-Type \(media)) is not valid JSON: \(e)")
                    }
                }
            } else if let text = String(validating: Array(body), as: UTF8.self) {
                JSONWriter.appendString("data", to: &out)
                out.append(0x3A)
                JSONWriter.appendString(text, to: &out)
            } else {
                JSONWriter.appendString("data_base64", to: &out)
                out.append(0x3A)
                JSONWriter.appendString(Data(body).base64EncodedString(), to: &out)
            }
        }
        out.append(0x7D)
        let mapped: Result<NewEvent, StoreError> = out.withUnsafeBytes { raw in
            Result { () throws(StoreError) in try event(raw, receivedAt: receivedAt) }
        }
        return try mapped.get()
    }
}
