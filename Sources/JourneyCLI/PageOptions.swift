import ArgumentParser

/// The options of a command that lists customers a page at a time.
struct PageOptions: ParsableArguments {
    @Option(help: "Continue after this cursor (printed as `next`).") var after: String?
    @Option(help: "Customers per page (default 100).") var limit: Int = 100
    @Flag(help: "Print as JSON.") var json = false
}

/// The options of a command that can look back in time.
struct TimeTravelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Business time: leave out events that occurred after it.", valueName: "RFC 3339 time")) var asOf: TimeArgument?
    @Option(help: ArgumentHelp("Knowledge time: as the store knew it then (leave out events recorded after it).", valueName: "RFC 3339 time"))
    var knownAt: TimeArgument?

    func validate() throws {
        _ = try asOf?.check("--as-of")
        _ = try knownAt?.check("--known-at")
    }
}
