import ArgumentParser
import CairnCatalog

struct Albums: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Albums by place: countries ▸ cities ▸ landmarks, with photo counts.",
        discussion: """
            --country and --city take a name the catalog holds (a country also by its ISO code), \
            \(NameMatch.rule) A name that matches several is an error that lists them (exit 64); one that matches \
            nothing, an error (exit 1).
            """)

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Option(
        help: "Only this country: its name or ISO code, any case; the start or part of a name is enough.",
        completion: NameMatch.completion(.country))
    var country: String?

    @Option(
        help: "Only this city (in --country, when given), any case; the start or part of a name is enough.",
        completion: NameMatch.completion(.city))
    var city: String?

    func validate() throws {
        for (name, value) in [("--country", country), ("--city", city)] {
            if let value, value.allSatisfy(\.isWhitespace) { throw ValidationError("\(name) needs a name") }
        }
    }

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let catalog = try catalogOptions.openCatalog()
            let (countryName, cityName) = try resolvePlace(country: country, city: city, in: catalog)
            let tree = try query { () throws(CatalogError) in
                try catalog.albums(country: countryName, city: cityName)
            }
            if output.json {
                printJSON(tree)
                return
            }
            if tree.countries.isEmpty {
                print(country == nil && city == nil ? "No albums yet." : "No album matches.")
            }
            for country in tree.countries {
                let code = country.countryCode.map { " (\($0))" } ?? ""
                print("\(country.country)\(code): \(plural(country.photos, "photo"))")
                for city in country.cities {
                    let region = city.region.map { ", \($0)" } ?? ""
                    print("  \(city.city)\(region): \(plural(city.photos, "photo"))")
                    for landmark in city.landmarks {
                        print("    \(landmark.landmark): \(plural(landmark.photos, "photo"))")
                    }
                }
            }
            if country == nil && city == nil && tree.unplacedPhotos > 0 {
                print("Without a place: \(plural(tree.unplacedPhotos, "photo"))")
            }
        }
    }
}
