import ArgumentParser
import CairnConfig
import CairnInference
import CairnLandmarkBuilder
import Foundation
import Landmarks

struct RecognizeLandmarks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recognize",
        abstract: "Recognise landmarks in photos with a pack, without the daemon.",
        discussion: """
            Uses each photo's EXIF GPS when it has one (the geo-scoped search), else the whole pack with the \
            reference check. Prints the landmarks found with their scores, the path that decided and why (the \
            threshold the score passed, the margin over the nearest everyday exemplar, the reference check and the \
            pack's reference photo it looked most like), or that none was found. Exit status 1 if a photo could not \
            be read.
            """)

    @OptionGroup var backbone: BackboneOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("The landmark pack.", valueName: "file"))
    var pack: String

    @Option(help: "Side of the search square around a photo with GPS, in km.")
    var geoSquareKm = LandmarkSearch.Options.defaultGeoSquareKm

    @Argument(help: ArgumentHelp("Photos to recognise.", valueName: "photo"))
    var photos: [String]

    struct PhotoResult: Encodable {
        struct Found: Encodable {
            var key: String
            var name: String
            var city: String
            var country: String
            var score: Double
            var evidence: String
            var referenceScore: Double?
            /// The threshold the score passed (η, or η_geo with GPS).
            var threshold: Double
            /// The score less the similarity to the nearest everyday exemplar, and the margin μ it had to reach.
            var margin: Double?
            var marginThreshold: Double?
            /// The pack's reference photo most like this one (`KEY/NAME` in the dataset) and its similarity.
            var nearestReference: String?
            var nearestReferenceScore: Double?
            /// All of it in one line.
            var why: String
        }

        var path: String
        var latitude: Double?
        var longitude: Double?
        var landmarks: [Found]
        var error: String?
    }

    func validate() throws {
        if photos.isEmpty { throw ValidationError("name at least one photo") }
    }

    func run() throws {
        var failed = false
        try reporting(json: output.json) { () throws(CLIError) in
            let extractor = try backbone.extractor()
            let loaded: LandmarkPack
            do {
                loaded = try LandmarkPack.load(
                    path: ConfigurationLoader.absolute(pack), backbone: extractor.model.version)
            } catch {
                throw CLIError(code: "pack", message: "\(error)", exitCode: 78)
            }
            let search = LandmarkSearch(pack: loaded)
            let paths = photos.map(ConfigurationLoader.absolute)
            var results = paths.map { PhotoResult(path: $0, landmarks: []) }
            // Every readable photo is embedded and searched in one batch: one product over the centroids for all.
            var readable: [(index: Int, photo: PhotoFeatures)] = []
            for (index, result) in extractor.features(of: paths).enumerated() {
                switch result {
                case .failure(let error):
                    failed = true
                    results[index].error = "\(error)"
                case .success(let photo):
                    readable.append((index, photo))
                }
            }
            let locations = readable.map { item -> (latitude: Double, longitude: Double)? in
                guard let latitude = item.photo.latitude, let longitude = item.photo.longitude else { return nil }
                return (latitude, longitude)
            }
            let found = search.search(
                features: readable.flatMap(\.photo.features), count: readable.count, locations: locations,
                options: .init(geoSquareKm: geoSquareKm))
            for (item, matches) in zip(readable, found) {
                results[item.index].latitude = item.photo.latitude
                results[item.index].longitude = item.photo.longitude
                results[item.index].landmarks = matches.map { match in
                    let landmark = loaded.landmarks[match.landmark]
                    return .init(
                        key: landmark.key, name: landmark.name, city: landmark.city, country: landmark.country,
                        score: Double(match.score), evidence: match.evidence.rawValue,
                        referenceScore: match.referenceScore.map(Double.init), threshold: Double(match.threshold),
                        margin: match.margin.map(Double.init), marginThreshold: match.marginThreshold.map(Double.init),
                        nearestReference: match.nearestReference.flatMap { search.referenceName(row: $0) },
                        nearestReferenceScore: match.nearestReferenceScore.map(Double.init),
                        why: search.explanation(match))
                }
            }
            if output.json { return printJSON(results) }
            for result in results {
                if let error = result.error {
                    print(error)
                } else if result.landmarks.isEmpty {
                    print("\(result.path): no landmark\(result.latitude == nil ? "" : " near its GPS position")")
                } else {
                    for found in result.landmarks {
                        print(
                            "\(result.path): \(found.name) (\(found.city), \(found.country)) score \(String(format: "%.3f", found.score)) via \(found.evidence)"
                        )
                        print("  why: \(found.why)")
                    }
                }
            }
        }
        if failed { throw ExitCode(1) }
    }
}
