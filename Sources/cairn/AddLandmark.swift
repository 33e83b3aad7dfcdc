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
                    "centroids": "\(added.centroids)", "landmarks": "\(added.pack.landmarks.count)",
                ])
            } else {
                print(
                    "added \(key) (\(name), \(city), \(country)) from \(plural(added.photos, "photo")): \(plural(added.centroids, "centroid")); \(added.destination) now has \(added.pack.landmarks.count) landmarks, version pack:\(added.pack.checksum)"
                )
            }
        }
    }
}

/// What adding a landmark to a pack did.
struct PackAddition {
    var pack: LandmarkPack
    var destination: String
    /// Photos that could be read, and the centroids they gave.
    var photos: Int
    var centroids: Int
    /// Negatives read, and the landmark's own threshold they set (nil: the pack's η holds).
    var negatives = 0
    var threshold: Float?
}

/// Adds `landmark` to the pack at `pack` from `photos` (absolute paths; unreadable ones are skipped with a line on
/// stderr), embedded with the pack's head and clustered like a build does, and writes the pack (atomically) to
/// `out`, else over itself. The pack's thresholds stay as the build calibrated them; with `negatives` (photos that
/// do not show the landmark), the landmark also gets its own stricter η without GPS where they need one. What `add`
/// and `adopt` share.
func addToPack(
    _ landmark: LandmarkPack.Landmark, photos: [String], negatives: [String] = [], pack: String, out: String?,
    replace: Bool, extractor: FeatureExtractor
) throws(CLIError) -> PackAddition {
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
    var features: [[Float]] = []
    var names: [String] = []
    for result in extractor.features(of: photos) {
        switch result {
        case .success(let photo):
            features.append(photo.features)
            names.append(landmark.key + "/" + (photo.path as NSString).lastPathComponent)
        case .failure(let error): FileHandle.standardError.write(Data("cairn: skipped \(error)\n".utf8))
        }
    }
    guard !features.isEmpty else { throw CLIError(code: "photos", message: "no photo could be read", exitCode: 66) }
    var parameters = BuildParameters()
    if let distance = loaded.provenance.parameters["cluster-distance"].flatMap(Float.init) {
        parameters.clusterDistance = distance
    }
    var counted = landmark
    counted.photos = features.count
    let centroids = loaded.adding(
        counted, features: features, photoNames: names, builder: PackBuilder(parameters: parameters))
    var negativeFeatures: [[Float]] = []
    for result in extractor.features(of: negatives) {
        if case .success(let photo) = result { negativeFeatures.append(photo.features) }
    }
    let threshold = loaded.calibrateThreshold(ofLandmark: loaded.landmarks.count - 1, negatives: negativeFeatures)
    let destination = out ?? pack
    do {
        try loaded.write(to: destination)
    } catch {
        throw CLIError(code: "write", message: "\(error)", exitCode: 74)
    }
    return PackAddition(
        pack: loaded, destination: destination, photos: features.count, centroids: centroids,
        negatives: negativeFeatures.count, threshold: threshold)
}
