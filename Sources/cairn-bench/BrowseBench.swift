import ArgumentParser
import CairnCatalog
import Foundation

extension CairnBench {
    /// Browsing queries on a (large) catalog, in process: what `cairn albums` and `cairn photos` cost beyond starting
    /// the program.
    struct Browse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time of the album and photo listings on a catalog (make a big one with tools/make_big_catalog.py).")

        @Argument(help: "Catalog file.") var catalog: String
        @Option(help: "Runs of each query.") var runs = 7
        @Option(help: "A city to list.") var city = "City 0"
        @Option(help: "A small city to list.") var smallCity = "City 1500"
        @Option(help: "A country to list.") var country = "C000"
        @Option(help: "A common tag.") var tag = "label0"
        @Option(help: "A rare tag.") var rareTag = "label900"
        @Option(help: "A landmark.") var landmark = "Landmark 5"

        func run() throws {
            let open = now()
            let store = try Catalog.openReadOnly(path: catalog)
            print(String(format: "open read-only (schema check): %.1f ms", (now() - open) * 1000))
            let queries: [(String, () throws -> Int)] = [
                ("albums", { try store.albums().countries.count }),
                ("albums --country \(country)", { try store.albums(country: country).countries.count }),
                ("albums --city \(city)", { try store.albums(city: city).countries.count }),
                ("photos --city \(city) --limit 100", { try store.photos(matching: PhotoFilter(city: city, limit: 100)).count }),
                ("photos --city \(smallCity)", { try store.photos(matching: PhotoFilter(city: smallCity)).count }),
                ("photos --country \(country) --limit 100", { try store.photos(matching: PhotoFilter(country: country, limit: 100)).count }),
                ("photos --tag \(tag) --limit 100", { try store.photos(matching: PhotoFilter(tag: tag, limit: 100)).count }),
                ("photos --tag \(rareTag) --limit 100", { try store.photos(matching: PhotoFilter(tag: rareTag, limit: 100)).count }),
                ("photos --tag \(rareTag)", { try store.photos(matching: PhotoFilter(tag: rareTag)).count }),
                ("photos --landmark \(landmark) --limit 100", { try store.photos(matching: PhotoFilter(landmark: landmark, limit: 100)).count }),
                ("photos --limit 100", { try store.photos(matching: PhotoFilter(limit: 100)).count }),
                ("tags", { try store.tagCounts().count }),
                ("tags --kind landmark", { try store.tagCounts(kind: "landmark").count }),
            ]
            print("query                                          min ms  median ms   rows")
            for (name, body) in queries {
                var times: [Double] = []
                var rows = 0
                for _ in 0..<runs {
                    let start = now()
                    rows = try body()
                    times.append((now() - start) * 1000)
                }
                print(name.padding(toLength: 44, withPad: " ", startingAt: 0)
                    + String(format: "%9.1f %10.1f %6d", times.min() ?? .nan, median(times), rows))
            }
        }
    }
}
