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
        if !(-90...90).contains(lat) || !(-180...180).contains(lon) { throw ValidationError("--lat/--lon are not a valid position") }
        if key.isEmpty || key.contains("/") { throw ValidationError("the key must be non-empty and contain no '/'") }
    }

    func run() throws {
        try reporting(json: output.json) { () throws(CLIError) in
            let extractor = try backbone.extractor()
            let path = ConfigurationLoader.absolute(pack)
            var loaded: LandmarkPack
            do {
                loaded = try LandmarkPack.load(path: path, backbone: extractor.model.version)
            } catch {
                throw CLIError(code: "pack", message: "\(error)", exitCode: 78)
            }
            if loaded.landmarks.contains(where: { $0.key == key }) {
                guard replace else {
                    throw CLIError(code: "exists", message: "the pack already has a landmark '\(key)'; use --replace to replace it", exitCode: 64)
                }
                loaded = loaded.removing(key: key)
            }
            var features: [[Float]] = []
            var names: [String] = []
            for result in extractor.features(of: photos.map(ConfigurationLoader.absolute)) {
                switch result {
                case .success(let photo):
                    features.append(photo.features)
                    names.append(key + "/" + (photo.path as NSString).lastPathComponent)
                case .failure(let error): FileHandle.standardError.write(Data("cairn: skipped \(error)\n".utf8))
                }
            }
            guard !features.isEmpty else { throw CLIError(code: "photos", message: "no photo could be read", exitCode: 66) }
            var parameters = BuildParameters()
            if let distance = loaded.provenance.parameters["cluster-distance"].flatMap(Float.init) { parameters.clusterDistance = distance }
            let landmark = LandmarkPack.Landmark(
                key: key, name: name, city: city, country: country, region: region, latitude: lat, longitude: lon,
                photos: features.count, referencesChecked: true)
            let centroids = loaded.adding(landmark, features: features, photoNames: names, builder: PackBuilder(parameters: parameters))
            let destination = ConfigurationLoader.absolute(out ?? pack)
            do {
                try loaded.write(to: destination)
            } catch {
                throw CLIError(code: "write", message: "\(error)", exitCode: 74)
            }
            if output.json {
                printJSON(["pack": destination, "key": key, "checksum": loaded.checksum, "centroids": "\(centroids)", "landmarks": "\(loaded.landmarks.count)"])
            } else {
                print("added \(key) (\(name), \(city), \(country)) from \(plural(features.count, "photo")): \(plural(centroids, "centroid")); \(destination) now has \(loaded.landmarks.count) landmarks, version pack:\(loaded.checksum)")
            }
        }
    }
}

