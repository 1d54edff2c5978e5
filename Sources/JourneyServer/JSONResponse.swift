import Foundation
import Hummingbird
import JourneyStore
import JourneyJSON

/// JSON responses in the shapes `journeyctl --json` prints (``JSONOutput``).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(data: JSONOutput.data(value))))
    }

    static func raw(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, contentType: String = "application/json") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension ByteBuffer {
    init(data: Data) {
        self.init(bytes: data)
    }
}
