import Crypto
import Hummingbird

/// The journey-map page (`GET /`) and its style sheet and script: files of this target,
/// embedded at build time, served with a content security policy that lets the page talk to
/// this server only. The page reads the API like any client (it asks for a token when the
/// server has tokens), so these routes need none.
enum PageRoutes {
    /// One embedded file, ready to serve: its bytes, type and an ETag made of its digest.
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String

        init(_ bytes: [UInt8], _ contentType: String) {
            body = ByteBuffer(bytes: bytes)
            self.contentType = contentType
            etag = "\"" + SHA256.hash(data: bytes).prefix(12).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "\""
        }
    }

    static let policy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func add(to router: Router<JourneyRequestContext>) {
        let assets: [(String, Asset)] = [
            ("/", Asset(PackageResources.index_html, "text/html; charset=utf-8")),
            ("/page/page.css", Asset(PackageResources.page_css, "text/css; charset=utf-8")),
            ("/page/page.js", Asset(PackageResources.page_js, "text/javascript; charset=utf-8")),
        ]
        for (path, asset) in assets {
            router.get(RouterPath(path)) { request, _ -> Response in
                var headers: HTTPFields = [
                    .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache",
                    .contentSecurityPolicy: policy, .xContentTypeOptions: "nosniff",
                ]
                headers[.init("Referrer-Policy")!] = "no-referrer"
                if request.headers[.ifNoneMatch] == asset.etag {
                    return Response(status: .notModified, headers: headers)
                }
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
            }
        }
    }
}
