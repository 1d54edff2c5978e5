import Foundation
import JourneyServer
import JourneyTestSupport
import Testing

/// The journey-map page's files: served without a token (the page asks for one itself), with a
/// policy that keeps the page on this server, and revalidated by ETag. The page itself is tested
/// in a real browser by `.ci/browser-test`.
@Suite struct PageRoutesTests {
    @Test func thePageAndItsFilesAreServed() async throws {
        let f = try await ServerFixture { c in
            c.tokens = [APIToken(name: "t", secret: "0123456789abcdef", scope: .read)]
        }
        let c = f.client
        let page = try await c.request("GET", "/")
        #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("<title>Journey map") && page.text.contains("/page/page.js") && page.text.contains("<noscript>"))
        let policy = try #require(page.headers["content-security-policy"])
        #expect(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'") && policy.contains("script-src 'self'"))
        let etag = try #require(page.headers["etag"])
        let again = try await c.request("GET", "/", headers: ["If-None-Match": etag])
        #expect(again.status == 304 && again.body.isEmpty)
        for (path, type, marker) in [("/page/page.js", "text/javascript; charset=utf-8", "/v1/map"), ("/page/page.css", "text/css; charset=utf-8", "prefers-color-scheme")] {
            let r = try await c.request("GET", path)
            #expect(r.status == 200 && r.headers["content-type"] == type && r.text.contains(marker), "\(path)")
        }
        #expect(try await c.request("GET", "/page/other.js").status == 404)
        #expect(try await c.request("POST", "/").status == 405)
        // The API behind it still needs the token.
        #expect(try await c.request("GET", "/v1/map").status == 401)
        try await f.stop()
    }
}
