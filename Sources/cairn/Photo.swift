import ArgumentParser
import CairnCatalog
import CairnConfig

struct Photo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Everything the catalog knows about one photo.")

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The photo's path (relative paths are taken from the current folder).")
    var path: String

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let catalog = try catalogOptions.openCatalog()
            let absolute = ConfigurationLoader.absolute(path)
            let photo = try query { () throws(CatalogError) in try catalog.photo(path: absolute) }
            if output.json {
                printJSON(photo)
                return
            }
            print("Path:     \(photo.path)")
            print("State:    \(photo.state)\(photo.errorReason.map { " (\($0))" } ?? "")")
            print("Size:     \(photo.size) bytes\(photo.format.map { ", \($0)" } ?? "")")
            if let decoder = photo.decoder { print("Decoder:  \(decoder)") }
            for other in photo.pairedWith { print("Pair:     \(other) (RAW+JPEG: recognised once, counted once)") }
            if let hash = photo.contentHash { print("Hash:     \(hash)") }
            if let facts = photo.facts {
                if let taken = facts.takenAt { print("Taken:    \(taken)\(facts.takenAtOffset ?? "")") }
                let camera = [facts.cameraMake, facts.cameraModel].compactMap { $0 }.joined(separator: " ")
                if !camera.isEmpty { print("Camera:   \(camera)") }
                if let w = facts.width, let h = facts.height { print("Pixels:   \(w)×\(h)") }
                if let o = facts.orientation { print("Orient.:  \(o)") }
                if let lat = facts.latitude, let lon = facts.longitude {
                    print("GPS:      \(lat), \(lon)\(facts.altitude.map { ", \($0) m" } ?? "")")
                }
                if let time = facts.gpsTimestamp { print("GPS time: \(time)") }
                if let issue = facts.locationIssue { print("GPS note: \(issue)") }
            }
            // One place: the one the albums use (--json lists every source's).
            if let place = photo.place {
                let parts = [place.city, place.region, place.country].compactMap { $0 }.joined(separator: ", ")
                let named = parts.isEmpty ? "no city or country near the GPS position" : parts
                let key = place.gazetteer.hasPrefix("landmark:") ? String(place.gazetteer.dropFirst(9)) : nil
                let source = key.map { "landmark \($0)" } ?? "\(place.source), \(place.gazetteer)"
                print("Place:    \(named) (from \(source))")
            }
            for tag in photo.tags {
                print(
                    "Tag:      \(tag.kind) \(tag.label) \(String(format: "%.2f", tag.score)) (\(tag.recognizer)\(tag.evidence.map { ", via \($0)" } ?? ""))"
                )
                if let detail = tag.detail { print("  why:    \(detail)") }
            }
            for run in photo.recognition {
                print("Ran:      \(run.recognizer) \(run.version): \(run.state)\(run.error.map { " (\($0))" } ?? "")")
            }
        }
    }
}
