import ArgumentParser
import CairnCatalog
import CairnConfig
import CairnIndexing
import CairnPlaces
import Foundation

struct Places: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the offline gazetteer that names places.",
        subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a GeoNames dump for finer places than the built-in cities of 15,000+ people.",
            discussion: """
                FILE is a GeoNames dump: cities500.txt, cities1000.txt, cities15000.txt or allCountries.txt \
                (populated places are kept). Region names come from --admin1 admin1CodesASCII.txt. The cities are \
                stored in the catalog; set `places.gazetteer: imported` in the configuration, and cairnd re-names \
                the places of catalogued photos in the background (or run cairn index).
                """)

        @OptionGroup var catalogOptions: CatalogOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: ArgumentHelp("GeoNames dump to import.", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("GeoNames admin1CodesASCII.txt, for region names.", valueName: "file"))
        var admin1: String?

        func run() throws {
            try reporting(json: output.json) { () throws(CLIError) in
                let context = try WritingContext(catalogOptions)
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
                let line = ProgressLine()
                let result: GeoNamesDump.Result
                do {
                    let regions = try admin1.map { path throws(PlacesError) in try GeoNamesDump.readAdmin1Names(path: path) } ?? [:]
                    result = try GeoNamesDump.read(
                        path: file, countryNames: Gazetteer.libgeonames().countryNames, admin1Names: regions
                    ) { bytes in
                        line.update("reading \(file): \(size > 0 ? bytes * 100 / size : 0)%")
                    }
                } catch {
                    line.finish()
                    throw CLIError(code: "gazetteer", message: "\(error)", exitCode: ExitStatus.schema)
                }
                line.finish()
                let records = result.cities.map {
                    GazetteerCityRecord(
                        geonameId: $0.geonameId, name: $0.city.name, adminRegion: $0.city.adminRegion,
                        countryCode: $0.city.countryCode, country: $0.city.country, latitude: $0.city.latitude,
                        longitude: $0.city.longitude, population: $0.city.population)
                }
                try query { () throws(CatalogError) in
                    try context.catalog.replaceGazetteer(
                        records, source: ConfigurationLoader.absolute(file), version: result.version)
                }
                if output.json {
                    printJSON(["cities": "\(records.count)", "skippedLines": "\(result.skippedLines)", "version": result.version])
                    return
                }
                print("Imported \(plural(records.count, "place")) from \(file) (\(result.skippedLines) malformed lines skipped) as \(result.version).")
                if context.settings.places.gazetteer != .imported {
                    print("To use them, set `places.gazetteer: imported` in the configuration.")
                }
            }
        }
    }
}
