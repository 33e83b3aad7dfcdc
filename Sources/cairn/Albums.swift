import ArgumentParser
import CairnCatalog

struct Albums: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Albums by place: countries ▸ cities ▸ landmarks, with photo counts.")

    @OptionGroup var catalogOptions: CatalogOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Only this country (name or ISO code, any case).")
    var country: String?

    @Option(help: "Only this city (any case).")
    var city: String?

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let catalog = try catalogOptions.openCatalog()
            let tree = try query { () throws(CatalogError) in try catalog.albums(country: country, city: city) }
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
