import CairnRecognition
import Foundation

/// The landmark recognizer plugin: embeds the shared backbone features with the pack's head and searches the
/// pack (`LandmarkSearch`, the paper's Algorithm 2). A photo with GPS is searched among the landmarks near it; a
/// photo without GPS among all, confirmed by reference photos, and it takes its landmark's city as its place.
public struct LandmarkRecognizer: Recognizer {
    public static let codeVersion = "2"
    public static let defaultGeoSquareKm = LandmarkSearch.Options.defaultGeoSquareKm
    public let id = "landmarks"
    public let version: String
    public let search: LandmarkSearch
    public let options: LandmarkSearch.Options

    /// Loads the pack at `packPath` for the backbone `backboneVersion`; a missing, damaged or mismatched pack is
    /// refused with the reason.
    public init(
        packPath: String, backboneVersion: String, geoSquareKm: Double = defaultGeoSquareKm
    ) throws(LandmarkPackError) {
        let pack = try LandmarkPack.load(path: packPath, backbone: backboneVersion)
        self.init(pack: pack, geoSquareKm: geoSquareKm)
    }

    public init(pack: LandmarkPack, geoSquareKm: Double = defaultGeoSquareKm) {
        search = LandmarkSearch(pack: pack)
        options = LandmarkSearch.Options(geoSquareKm: geoSquareKm)
        // The pack's checksum covers its head, centroids and thresholds; a new pack re-recognises every photo.
        version =
            "landmarks/\(Self.codeVersion) pack:\(pack.checksum) \(pack.provenance.backbone) "
            + "geo-square-km=\(geoSquareKm)"
    }

    public func recognize(_ photo: PhotoAnalysis) throws -> [Observation] {
        try recognize(batch: [photo])[0].get()
    }

    /// Embeds every photo whose backbone features are available and searches them in one batch (one matrix
    /// product over the centroids for all photos without GPS).
    public func recognize(batch photos: [PhotoAnalysis]) -> [Result<[Observation], any Error>] {
        var results = [Result<[Observation], any Error>](repeating: .success([]), count: photos.count)
        var features: [Float] = []
        var rows: [Int] = []
        var locations: [(latitude: Double, longitude: Double)?] = []
        for (index, photo) in photos.enumerated() {
            do {
                features += try photo.backbone.features()
                rows.append(index)
                if let latitude = photo.facts.latitude, let longitude = photo.facts.longitude {
                    locations.append((latitude, longitude))
                } else {
                    locations.append(nil)
                }
            } catch {
                results[index] = .failure(error)
            }
        }
        guard !rows.isEmpty else { return results }
        let pack = search.pack
        guard features.count == rows.count * pack.head.inputCount else {
            let problem = LandmarkPackError(
                path: "",
                message: "the backbone gave \(features.count / rows.count) features, the pack's head takes "
                    + "\(pack.head.inputCount)"
            )
            for row in rows { results[row] = .failure(problem) }
            return results
        }
        let found = search.search(features: features, count: rows.count, locations: locations, options: options)
        for (position, row) in rows.enumerated() {
            results[row] = .success(
                found[position].map { match in
                    let landmark = pack.landmarks[match.landmark]
                    return LandmarkSighting(
                        key: landmark.key, name: landmark.name, city: landmark.city, country: landmark.country,
                        score: Double(match.score), evidence: match.evidence, latitude: landmark.latitude,
                        longitude: landmark.longitude, detail: search.explanation(match)
                    ).observation
                })
        }
        return results
    }
}
