import CairnRecognition
import Foundation

/// The landmark recognizer plugin: embeds the shared backbone features with the pack's head and searches the
/// pack (`LandmarkSearch`, the paper's Algorithm 2). A photo with GPS is searched among the landmarks near it; a
/// photo without GPS among all, confirmed by reference photos, and it takes its landmark's city as its place.
public struct LandmarkRecognizer: Recognizer {
    public static let codeVersion = "1"
    public let id = "landmarks"
    public let version: String
    public let search: LandmarkSearch
    public let options: LandmarkSearch.Options

    /// Loads the pack at `packPath` for the backbone `backboneVersion`; a missing, damaged or mismatched pack is
    /// refused with the reason.
    public init(packPath: String, backboneVersion: String, geoSquareKm: Double = 1) throws(LandmarkPackError) {
        let pack = try LandmarkPack.load(path: packPath, backbone: backboneVersion)
        self.init(pack: pack, geoSquareKm: geoSquareKm)
    }

    public init(pack: LandmarkPack, geoSquareKm: Double = 1) {
        search = LandmarkSearch(pack: pack)
        options = LandmarkSearch.Options(geoSquareKm: geoSquareKm)
        // The pack's checksum covers its head, centroids and thresholds; a new pack re-recognises every photo.
        version = "landmarks/\(Self.codeVersion) pack:\(pack.checksum) \(pack.provenance.backbone) geo-square-km=\(geoSquareKm)"
    }

    public func recognize(_ photo: PhotoAnalysis) throws -> [Observation] {
        let features = try photo.backbone.features()
        let pack = search.pack
        let embedding = pack.head.embed(features, count: 1)
        var location: (latitude: Double, longitude: Double)?
        if let latitude = photo.facts.latitude, let longitude = photo.facts.longitude {
            location = (latitude, longitude)
        }
        let matches = search.search(embeddings: embedding, count: 1, locations: [location], options: options)[0]
        return matches.map { match in
            let landmark = pack.landmarks[match.landmark]
            return .landmark(LandmarkSighting(
                key: landmark.key, name: landmark.name, city: landmark.city, country: landmark.country,
                score: Double(match.score), evidence: match.evidence))
        }
    }
}
