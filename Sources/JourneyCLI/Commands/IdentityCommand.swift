import ArgumentParser
import JourneyClient
import JourneyCore
import JourneyStore

/// `journeyctl identity merge|unmerge|show`: the identity graph, by hand.
struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Merge two ids into one journey, undo it, or list the ids linked to one.",
        discussion: """
            An event that names both a customerId and an anonymousId links them by itself; these \
            commands are for what the events do not say (one person with two accounts) and for \
            undoing a wrong link. Merges and unmerges are records in the log: who, when, why.
            """,
        subcommands: [Merge.self, Unmerge.self, Show.self])

    /// Options shared by merge and unmerge.
    struct ChangeOptions: ParsableArguments {
        @Argument(help: "The id that joins (merge) or leaves (unmerge).") var from: String
        @Argument(help: "The id whose journey it joins or leaves; its id names the merged journey.") var into: String
        @Option(help: "Why (kept in the log; no personal data).") var reason: String?
        @Option(help: "Who asks (default cli:<user>; against a server, the token's name is recorded).") var by: String?
        @Option(help: "FROM is a customer or an anonymous visitor id (default: the customer by that id, if there is one).") var fromKind: IdentityKind?
        @Option(help: "INTO is a customer or an anonymous visitor id (default as for --from-kind).") var intoKind: IdentityKind?
        @Flag(help: "Print as JSON.") var json = false
    }

    enum IdentityKind: String, ExpressibleByArgument, CaseIterable {
        case customer, anonymous
    }

    static func run(_ unmerge: Bool, _ global: GlobalOptions, _ o: ChangeOptions) async throws {
        let client = try await global.client(.writeAfterViews, quiet: o.json)
        defer { client.close() }
        let record = try await client.changeIdentity(IdentityChangeRequest(
            unmerge: unmerge, from: o.from, into: o.into, fromKind: o.fromKind?.rawValue, intoKind: o.intoKind?.rawValue, reason: o.reason, by: o.by))
        if o.json { Output.json(record); return }
        let pair = "\(record.from.kind) \(record.from.id) \(unmerge ? "from" : "into") \(record.into.kind) \(record.into.id)"
        if record.changed {
            Output.line("\(unmerge ? "unmerged" : "merged") \(pair): record at position \(record.position ?? 0)")
        } else {
            Output.line("\(pair): already one journey; nothing changed")
        }
        Output.line("\(record.into.id) is now linked to: " + (record.identities.dropFirst().map { "\($0.kind) \($0.id)" }.joined(separator: ", ").nonEmpty ?? "no other id"))
    }

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge FROM into INTO: from then on one journey, named by INTO.",
            discussion: """
                Refused (exit 1) for an unknown or erased id, an id past its most links, or an id on \
                the block-list (exit 2). Merging ids that are one journey already changes nothing.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ChangeOptions
        func run() async throws { try await IdentityCommand.run(false, global, options) }
    }

    struct Unmerge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo a merge or a link: FROM and INTO are no longer linked directly.",
            discussion: """
                The views become what a log without that link gives: each side's journey from its own \
                events (and any other links). Ids not linked directly exit 1 (not_linked); `identity \
                show` lists the direct links.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ChangeOptions
        func run() async throws { try await IdentityCommand.run(true, global, options) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the ids linked to ID, each with the record that linked it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A customer id, or an anonymous visitor's.") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() async throws {
            let client = try await global.client(.readLog, quiet: json)
            defer { client.close() }
            let listing = try await client.identities(of: id)
            if json { Output.json(listing); return }
            Output.line("\(listing.kind) \(listing.id)")
            for i in listing.identities.dropFirst() {
                var line = "  \(i.kind) \(i.id) ← linked to \(i.linkedTo ?? "?")"
                if let type = i.type { line += " by \(type)" }
                if let p = i.position { line += " at position \(p)" }
                if let at = i.recordedAt { line += ", \(at)" }
                if let by = i.by { line += ", by \(by)" }
                if let reason = i.reason { line += " (\(reason))" }
                Output.line(line)
            }
            if listing.identities.count <= 1 { Output.line("  no linked ids") }
        }
    }
}

extension String {
    /// `nil` for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
