import Foundation
import Landmarks

extension LandmarkDataset {
    /// Every landmark's photos with their backbone features. Photos that cannot be read or decoded are reported
    /// through `log` and left out; nothing else stops.
    public func features(
        with extractor: FeatureExtractor, log: @Sendable (String) -> Void, progress: @escaping @Sendable (Int, Int) -> Void
    ) -> [LandmarkPhotos] {
        let paths = entries.flatMap(\.photos)
        let results = extractor.features(of: paths, progress: progress)
        var offset = 0
        var failed = 0
        var landmarks: [LandmarkPhotos] = []
        for entry in entries {
            var photos: [String] = []
            var features: [[Float]] = []
            var references: [Int] = []
            for (index, path) in entry.photos.enumerated() {
                switch results[offset + index] {
                case .success(let photo):
                    if entry.references.contains(path) { references.append(features.count) }
                    photos.append(path)
                    features.append(photo.features)
                case .failure(let error):
                    failed += 1
                    log("skipped \(error)")
                }
            }
            offset += entry.photos.count
            let landmark = LandmarkPack.Landmark(
                key: entry.key, name: entry.name, city: entry.city, country: entry.country, region: entry.region,
                latitude: entry.latitude, longitude: entry.longitude, photos: features.count,
                referencesChecked: !references.isEmpty)
            landmarks.append(LandmarkPhotos(landmark: landmark, paths: photos, features: features, checkedReferences: references))
        }
        log("embedded \(paths.count - failed) landmark photos of \(entries.count) landmarks\(failed > 0 ? ", \(failed) skipped" : "")")
        return landmarks
    }
}

extension FeatureExtractor {
    /// The features of the photos below `folder` (the negatives); unreadable photos are reported and left out.
    public func negatives(
        below folder: String, log: @Sendable (String) -> Void, progress: @escaping @Sendable (Int, Int) -> Void
    ) throws(LandmarkBuildError) -> [[Float]] {
        let paths = try LandmarkDataset.photos(below: folder)
        var features: [[Float]] = []
        for result in self.features(of: paths, progress: progress) {
            switch result {
            case .success(let photo): features.append(photo.features)
            case .failure(let error): log("skipped \(error)")
            }
        }
        log("embedded \(features.count) negative photos from \(folder)")
        return features
    }
}
