import ArgumentParser
import CairnCatalog
import CairnConfig
import CairnDiscovery
import CairnRecognition
import Foundation
import Landmarks

/// The rules a user may change on the command line (defaults: the configuration's `discovery` section).
struct DiscoveryRuleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Photos within this many metres of a place's centre belong to it.", valueName: "m"))
    var radius: Double?

    @Option(help: ArgumentHelp("Photos a proposal needs.", valueName: "n"))
    var minimumPhotos: Int?

    @Option(help: ArgumentHelp("Different days its photos must span.", valueName: "n"))
    var minimumDays: Int?

    func rules(_ settings: CairnConfiguration) -> DiscoveryRules {
        var rules = DiscoveryRules(settings.discovery)
        if let radius { rules.radiusMeters = radius }
        if let minimumPhotos { rules.minimumPhotos = minimumPhotos }
        if let minimumDays { rules.minimumDays = minimumDays }
        return rules
    }

    func validate() throws {
        if let radius, !(10...5000).contains(radius) { throw ValidationError("--radius must be 10…5000 metres") }
        if let minimumPhotos, minimumPhotos < 2 { throw ValidationError("--minimum-photos must be at least 2") }
        if let minimumDays, minimumDays < 1 { throw ValidationError("--minimum-days must be at least 1") }
    }
}

struct DiscoverLandmarks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Find the library's own landmarks: places photographed on several days whose photos look alike.",
        discussion: """
            Reads every photo's stored embedding (the `embeddings` recognizer, no photo is decoded), groups the \
            photos with GPS into places a few hundred metres across, keeps places photographed on several days, and \
            inside each finds groups of photos that look alike (complete linkage, like a pack build) and that look \
            like nothing photographed elsewhere (a pet or a sunset looks alike everywhere). Photos a landmark pack \
            already recognised are left out. The proposals are saved in the catalog: list them with `discovered`, \
            make one a landmark of the pack with `adopt`, hide one with `reject`. Running it again keeps the ids of \
            proposals found again and never brings back a rejected one. cairnd runs it by itself when enough new \
            photos with GPS arrived (discovery.every-photos), and with discovery.auto-adopt also adopts the \
            proposals of discovery.auto-adopt-minimum-photos or more, named after their city. See docs/DISCOVERY.md.
            """)

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var rules: DiscoveryRuleOptions

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let context = try WritingContext(catalogOptions)
            let discovery = LibraryDiscovery(rules: rules.rules(context.settings))
            let outcome = try query { () throws(CatalogError) in try discovery.run(catalog: context.catalog) }
            let listed = try query { () throws(CatalogError) in try context.catalog.discoveries([.proposed]) }
            if output.json {
                printJSON(DiscoverReport(run: outcome, proposals: listed))
                return
            }
            print(
                "looked at \(plural(outcome.photos, "photo")) with an embedding: \(outcome.located) with GPS, \(outcome.recognised) of them already recognised by the landmark pack; \(plural(outcome.proposals, "proposal")) in \(String(format: "%.2f", outcome.seconds)) s (\(outcome.saved.added) new, \(outcome.saved.kept) kept, \(outcome.saved.removed) gone, \(outcome.saved.settled) adopted or rejected before)"
            )
            if outcome.photos == 0 {
                print(
                    "no photo has an embedding yet: cairnd (or `cairn index`) stores one per photo while it recognises")
            }
            printDiscoveries(listed)
        }
    }
}

struct DiscoverReport: Encodable {
    var run: LibraryDiscovery.Outcome
    var proposals: [DiscoveryRecord]
}

struct ListDiscovered: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discovered",
        abstract: "List the landmarks discovery proposed (with --all, the adopted and rejected ones too).",
        discussion: """
            Each proposal shows its id, place (the most common city of its photos), position, size, days and its \
            most typical photos. Adopt one with `cairn landmarks adopt ID --name NAME`, hide one with `cairn \
            landmarks reject ID`.
            """)

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Also list adopted and rejected discoveries.")
    var all = false

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let catalog = try catalogOptions.openCatalog()
            let statuses: Set<DiscoveryRecord.Status> = all ? Set(DiscoveryRecord.Status.allCases) : [.proposed]
            let listed = try query { () throws(CatalogError) in try catalog.discoveries(statuses) }
            if output.json {
                printJSON(listed)
            } else {
                printDiscoveries(listed)
            }
        }
    }
}

/// The text listing `discover` and `discovered` print.
func printDiscoveries(_ listed: [DiscoveryRecord]) {
    guard !listed.isEmpty else {
        print(
            "no proposals (`cairn landmarks discover` looks for them; it needs photos with GPS taken on several days)")
        return
    }
    print(
        "\(plural(listed.count, "discovered landmark")) (adopt: cairn landmarks adopt ID --name NAME; hide: cairn landmarks reject ID):"
    )
    for item in listed {
        let place = [item.city, item.adminRegion, item.country].compactMap { $0 }.joined(separator: ", ")
        let span = [item.firstDay, item.lastDay].compactMap { $0 }
        let days =
            span.count == 2 && span[0] != span[1] ? " (\(span[0]) … \(span[1]))" : span.first.map { " (\($0))" } ?? ""
        var status = ""
        switch item.status {
        case .proposed: status = ""
        case .adopted: status = " — adopted as \(item.landmarkKey ?? "?") “\(item.name ?? "")”"
        case .rejected: status = " — rejected"
        }
        print(
            String(
                format: "  #%lld  %@ — %.5f, %.5f — %@ on %@%@, coherence %.2f%@", item.id,
                place.isEmpty ? "no city near" : place, item.latitude, item.longitude, plural(item.photos, "photo"),
                plural(item.days, "day"), days, item.coherence, status))
        for path in item.typical { print("      \(path)") }
    }
}

struct AdoptDiscovered: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt",
        abstract: "Make a discovered landmark a landmark of the pack.",
        discussion: """
            Embeds the proposal's most typical photos (--photos) with the pack's head and adds them to the pack as \
            a personal landmark, like `add` does: its place is the proposal's (city and country from the \
            gazetteer, position the photos' mean). Its threshold without GPS is the pack's, or stricter where up \
            to 400 of the library's own photos taken 5 km or more away would otherwise get it (at most 1% may). The \
            pack is written again (atomically). Then `cairn reload` (or `systemctl reload cairnd`): cairnd \
            recognises the landmark in every photo again, and photos without GPS that look like it get its tag and \
            its place (source "landmark"; `cairn photo` shows the evidence). With discovery.auto-adopt, cairnd does \
            all this by itself for the large proposals.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("Catalog file (default: the configuration's).", valueName: "file"))
    var catalog: String?

    @Argument(help: ArgumentHelp("The proposal's id (from `discovered`).", valueName: "id"))
    var id: Int64

    @Option(help: "The landmark's name, as tags and albums will show it.")
    var name: String

    @Option(help: ArgumentHelp("A short unique key (default: from the name).", valueName: "key"))
    var key: String?

    @Option(help: ArgumentHelp("The pack to add to (default: recognizers.landmarks.pack).", valueName: "file"))
    var pack: String?

    @Option(help: ArgumentHelp("How many of its most typical photos to embed.", valueName: "n"))
    var photos = 40

    func validate() throws {
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name must not be empty") }
        if let key, key.isEmpty || key.contains("/") {
            throw ValidationError("the key must be non-empty and contain no '/'")
        }
        if photos < 1 { throw ValidationError("--photos must be at least 1") }
    }

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let context = try WritingContext(catalog: catalog, config: backbone.config)
            let packPath = try chosenPack(pack, settings: context.settings)
            let adoption = Adoption(
                catalog: context.catalog, packPath: packPath, extractor: try backbone.extractor(), photos: photos)
            let adopted: Adoption.Outcome
            do throws(AdoptionError) {
                adopted = try adoption.adopt(id: id, name: name, key: key)
            } catch {
                throw CLIError(error)
            }
            let added = adopted.addition
            if output.json {
                printJSON([
                    "id": "\(id)", "key": adopted.key, "name": name, "pack": packPath,
                    "checksum": adopted.pack.checksum, "photos": "\(added.photos)", "centroids": "\(added.centroids)",
                    "negatives": "\(added.negatives)", "threshold": added.threshold.map { "\($0)" } ?? "pack",
                ])
            } else {
                for reason in added.skipped { FileHandle.standardError.write(Data("cairn: skipped \(reason)\n".utf8)) }
                print(
                    "adopted #\(id) as \(adopted.key) (“\(name)”\(adopted.record.city.map { ", \($0)" } ?? "")) from \(plural(added.photos, "photo")): \(plural(added.centroids, "centroid")); \(packPath) now has \(adopted.pack.landmarks.count) landmarks, version pack:\(adopted.pack.checksum)"
                )
                let threshold =
                    added.threshold.map { String(format: "its own η %.3f (stricter than the pack's)", $0) }
                    ?? "the pack's η"
                print(
                    "calibrated on \(plural(added.negatives, "photo")) of the library taken 5 km or more away: \(threshold) keeps at most 1% of them"
                )
                print("run `cairn reload` (or systemctl reload cairnd) so cairnd recognises it in the library")
            }
        }
    }
}

extension CLIError {
    init(_ error: AdoptionError) {
        let exitCode: Int32 =
            switch error.code {
            case .notFound: ExitStatus.failure
            case .adopted, .exists: ExitStatus.usage
            case .pack: ExitStatus.configuration
            case .photos: ExitStatus.noInput
            case .write, .catalog, .stopped: ExitStatus.catalogUnreadable
            }
        self.init(code: error.code.rawValue, message: error.message, exitCode: exitCode)
    }
}

struct RejectDiscovered: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Hide a discovered landmark: it is not listed or proposed again.",
        discussion: "`cairn landmarks discovered --all` still lists it, marked rejected.")

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The proposal's id (from `discovered`).", valueName: "id"))
    var id: Int64

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let context = try WritingContext(catalogOptions)
            guard let found = try query({ () throws(CatalogError) in try context.catalog.discovery(id: id) }) else {
                throw CLIError(
                    code: "notFound", message: "no discovered landmark \(id) (`cairn landmarks discovered` lists them)",
                    exitCode: ExitStatus.failure)
            }
            if found.0.status == .adopted {
                throw CLIError(
                    code: "adopted",
                    message:
                        "discovered landmark \(id) is adopted as \(found.0.landmarkKey ?? "?"): `cairn landmarks remove \(found.0.landmarkKey ?? "KEY")` removes it from the pack and rejects it",
                    exitCode: ExitStatus.usage)
            }
            try query { () throws(CatalogError) in try context.catalog.setDiscovery(id: id, status: .rejected) }
            if output.json {
                printJSON(["id": "\(id)", "status": "rejected"])
            } else {
                print("rejected #\(id): it will not be proposed again")
            }
        }
    }
}

/// The pack a landmark command edits: `--pack`, else recognizers.landmarks.pack of the configuration (absolute).
func chosenPack(_ option: String?, settings: CairnConfiguration) throws(CLIError) -> String {
    guard
        let path = option.map(ConfigurationLoader.absolute)
            ?? Adoption.configuredPack(settings).map(ConfigurationLoader.absolute)
    else {
        throw CLIError(
            code: "pack", message: "no landmark pack is configured: pass --pack FILE (docs/LANDMARKS.md builds one)",
            exitCode: ExitStatus.configuration)
    }
    return path
}
