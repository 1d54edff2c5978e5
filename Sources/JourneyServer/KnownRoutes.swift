/// The routes the server answers, to tell "no such route" (404) from "not with this method"
/// (405, with `Allow`).
enum KnownRoutes {
    static let all: [(method: String, pattern: String)] = [
        ("POST", "/v1/events"), ("GET", "/v1/events"), ("GET", "/v1/events/stream"),
        ("POST", "/v1/customers/:id/events"), ("GET", "/v1/customers/:id/events"),
        ("GET", "/v1/customers/:id"), ("DELETE", "/v1/customers/:id"), ("GET", "/v1/customers/:id/journey"), ("GET", "/v1/erasures"),
        ("GET", "/v1/customers/:id/identities"), ("POST", "/v1/identities/merge"), ("POST", "/v1/identities/unmerge"),
        ("POST", "/segment/v1/batch"), ("POST", "/segment/v1/import"), ("POST", "/segment/v1/track"), ("POST", "/segment/v1/identify"),
        ("POST", "/segment/v1/page"), ("POST", "/segment/v1/screen"), ("POST", "/segment/v1/group"), ("POST", "/segment/v1/alias"),
        ("GET", "/v1/funnel"), ("GET", "/v1/map"), ("GET", "/v1/map/paths"), ("GET", "/v1/customers/at-risk"), ("GET", "/v1/stages/:stage/customers"), ("GET", "/v1/advocates"),
        ("GET", "/v1/projections"), ("GET", "/v1/projections/faults"), ("POST", "/v1/projections/:name/rebuild"), ("POST", "/v1/simulations"),
        ("GET", "/v1/model"), ("PUT", "/v1/model"), ("GET", "/v1/stats"), ("GET", "/v1/limits"), ("POST", "/v1/verify"),
        ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/openapi.yaml"),
        ("GET", "/"), ("GET", "/page/page.css"), ("GET", "/page/page.js"),
    ]

    /// The methods allowed on `path` (empty: no such route). A route without parameters that
    /// matches (`/v1/customers/at-risk`) hides the ones that match only through a parameter
    /// (`/v1/customers/:id`), as the router does.
    static func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let matching = all.filter { route in
            let p = route.pattern.split(separator: "/", omittingEmptySubsequences: false)
            return p.count == segments.count && zip(p, segments).allSatisfy { $0.hasPrefix(":") ? !$1.isEmpty : $0 == $1 }
        }
        let exact = matching.filter { !$0.pattern.contains(":") }
        var seen = Set<String>()
        return (exact.isEmpty ? matching : exact).map(\.method).filter { seen.insert($0).inserted }
    }
}
