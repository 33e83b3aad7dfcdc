import ArgumentParser
import CairnCatalog

struct Photos: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List photos of an album, tag, place or date range.",
        discussion: """
            Filters combine: every one given must match. Newest first; undated photos last.

            --landmark, --tag, --city and --country take a name the catalog holds (a landmark also by its key, a \
            country also by its ISO code), \(NameMatch.rule) `--landmark petra` finds "Petra (Al-Khazneh)". A name \
            that matches several is an error that lists them (exit 64); one that matches nothing, an error (exit 1).
            """)

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Option(
        help: "Country: its name or ISO code, any case; the start or part of a name is enough.",
        completion: NameMatch.completion(.country))
    var country: String?
    @Option(
        help: "City (in --country, when given), any case; the start or part of a name is enough.",
        completion: NameMatch.completion(.city))
    var city: String?
    @Option(
        help: "Landmark: its name or key, any case; the start or part of either is enough.",
        completion: NameMatch.completion(.landmark))
    var landmark: String?
    @Option(
        help: "Tag label, of any kind (or of --kind), any case; a landmark's key; the start or part of one.",
        completion: NameMatch.completion(.tag))
    var tag: String?
    @Option(help: "Tag kind for --tag, such as scene or landmark.")
    var kind: String?
    @Option(help: ArgumentHelp("Taken on or after this day.", valueName: "YYYY-MM-DD"))
    var from: String?
    @Option(help: ArgumentHelp("Taken on or before this day.", valueName: "YYYY-MM-DD"))
    var to: String?
    @Option(help: "At most this many photos.")
    var limit: Int?

    func validate() throws {
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, !isDay(value) {
                throw ValidationError("\(name) must be a day as YYYY-MM-DD, got '\(value)'")
            }
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if kind != nil && tag == nil { throw ValidationError("--kind needs --tag") }
        for (name, value) in [("--country", country), ("--city", city), ("--landmark", landmark), ("--tag", tag)] {
            if let value, value.allSatisfy(\.isWhitespace) { throw ValidationError("\(name) needs a name") }
        }
    }

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let catalog = try catalogOptions.openCatalog()
            let (countryName, cityName) = try resolvePlace(country: country, city: city, in: catalog)
            let landmarkName = try landmark.map { typed throws(CLIError) in
                try NameMatch.resolve(typed, .landmark, in: catalog)
            }
            let label = try tag.map { typed throws(CLIError) in
                try NameMatch.resolve(typed, .tag(kind: kind), in: catalog)
            }
            let filter = PhotoFilter(
                country: countryName, city: cityName, landmark: landmarkName, tag: label, tagKind: kind, from: from,
                to: to, limit: limit)
            let photos = try query { () throws(CatalogError) in try catalog.photos(matching: filter) }
            if output.json {
                printJSON(photos)
                return
            }
            if photos.isEmpty { print("No photos match.") }
            for photo in photos {
                let place = [photo.city, photo.country].compactMap { $0 }.joined(separator: ", ")
                var line = "\(photo.takenAt ?? "undated            ")  \(photo.path)"
                if !place.isEmpty { line += "  [\(place)]" }
                if let landmark = photo.landmark { line += "  ★ \(landmark)" }
                if photo.state != "indexed" { line += "  (\(photo.state))" }
                print(line)
            }
        }
    }
}

private func isDay(_ text: String) -> Bool {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
        let month = Int(parts[1]), let day = Int(parts[2]), Int(parts[0]) != nil
    else { return false }
    return (1...12).contains(month) && (1...31).contains(day)
}
