import ArgumentParser
import CairnCatalog

struct Photos: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List photos of an album, tag, place or date range.",
        discussion: "Filters combine: every one given must match. Newest first; undated photos last.")

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Country name or ISO code.")
    var country: String?
    @Option(help: "City name.")
    var city: String?
    @Option(help: "Landmark name.")
    var landmark: String?
    @Option(help: "Tag label, of any kind (or of --kind).")
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
    }

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let catalog = try catalogOptions.openCatalog()
            let filter = PhotoFilter(
                country: country, city: city, landmark: landmark, tag: tag, tagKind: kind, from: from, to: to,
                limit: limit)
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
