import ArgumentParser
import CairnConfig
import CairnInference
import CairnLandmarkBuilder
import Foundation
import Landmarks

struct AddLandmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a personal landmark (a family house, the local church) to a pack from a few photos.",
        discussion: """
            Embeds the photos with the pack's head, clusters them into centroids like `build` does, keeps up to 5 of \
            them as checked references, and writes the pack again (atomically) without a rebuild. The thresholds \
            stay as they were. Reload cairnd afterwards.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("A short unique key, such as grandmas_house.", valueName: "key"))
    var key: String

    @Option(help: ArgumentHelp("The landmark pack to add to.", valueName: "file"))
    var pack: String

    @Option(help: ArgumentHelp("Write the result here instead of over --pack.", valueName: "file"))
    var out: String?

    @Option var name: String
    @Option var city: String
    @Option var country: String
    @Option var region = ""
    @Option(help: "Latitude in degrees.") var lat: Double
    @Option(help: "Longitude in degrees.") var lon: Double

    @Flag(help: "Replace a landmark that already has this key.")
    var replace = false

    @Argument(help: ArgumentHelp("Photos of the landmark (3 or more recommended).", valueName: "photo"))
    var photos: [String]

    func validate() throws {
        if photos.isEmpty { throw ValidationError("name at least one photo of the landmark") }
        if !(-90...90).contains(lat) || !(-180...180).contains(lon) {
            throw ValidationError("--lat/--lon are not a valid position")
        }
        if key.isEmpty || key.contains("/") { throw ValidationError("the key must be non-empty and contain no '/'") }
    }

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let landmark = LandmarkPack.Landmark(
                key: key, name: name, city: city, country: country, region: region, latitude: lat, longitude: lon,
                photos: photos.count, referencesChecked: true)
            let added = try addToPack(
                landmark, photos: photos.map(ConfigurationLoader.absolute), pack: ConfigurationLoader.absolute(pack),
                out: out.map(ConfigurationLoader.absolute), replace: replace, extractor: try backbone.extractor())
            if output.json {
                printJSON([
                    "pack": added.destination, "key": key, "checksum": added.pack.checksum,
                    "centroids": "\(added.addition.centroids)", "landmarks": "\(added.pack.landmarks.count)",
                ])
            } else {
                print(
                    "added \(key) (\(name), \(city), \(country)) from \(plural(added.addition.photos, "photo")): \(plural(added.addition.centroids, "centroid")); \(added.destination) now has \(added.pack.landmarks.count) landmarks, version pack:\(added.pack.checksum)"
                )
            }
        }
    }
}

/// Adds `landmark` to the pack at `pack` from `photos` (absolute paths; unreadable ones are skipped with a line on
/// stderr) and writes the pack (atomically) to `out`, else over itself (`LandmarkPack.add`).
func addToPack(
    _ landmark: LandmarkPack.Landmark, photos: [String], pack: String, out: String?, replace: Bool,
    extractor: FeatureExtractor
) throws(CLIError) -> (pack: LandmarkPack, destination: String, addition: PackAddition) {
    var loaded: LandmarkPack
    do {
        loaded = try LandmarkPack.load(path: pack, backbone: extractor.model.version)
    } catch {
        throw CLIError(code: "pack", message: "\(error)", exitCode: 78)
    }
    if loaded.landmarks.contains(where: { $0.key == landmark.key }) {
        guard replace else {
            throw CLIError(
                code: "exists",
                message: "the pack already has a landmark '\(landmark.key)'; use --replace to replace it",
                exitCode: 64)
        }
        loaded = loaded.removing(key: landmark.key)
    }
    let addition: PackAddition
    do {
        addition = try loaded.add(landmark, photos: photos, extractor: extractor)
    } catch {
        throw CLIError(code: "photos", message: "\(error)", exitCode: 66)
    }
    for reason in addition.skipped { FileHandle.standardError.write(Data("cairn: skipped \(reason)\n".utf8)) }
    let destination = out ?? pack
    do {
        try loaded.write(to: destination)
    } catch {
        throw CLIError(code: "write", message: "\(error)", exitCode: 74)
    }
    return (loaded, destination, addition)
}
