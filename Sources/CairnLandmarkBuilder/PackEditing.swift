import Foundation
import Landmarks

extension LandmarkPack {
    /// The pack without landmark `key` (its centroids and references go with it).
    public func removing(key: String) -> LandmarkPack {
        guard let removed = landmarks.firstIndex(where: { $0.key == key }) else { return self }
        let d = dimension
        var copy = self
        copy.landmarks.remove(at: removed)
        func keep(_ values: [Float], _ owners: [Int]) -> ([Float], [Int]) {
            var kept: [Float] = []
            var keptOwners: [Int] = []
            for (row, owner) in owners.enumerated() where owner != removed {
                kept += values[(row * d)..<((row + 1) * d)]
                keptOwners.append(owner > removed ? owner - 1 : owner)
            }
            return (kept, keptOwners)
        }
        (copy.centroids, copy.centroidLandmark) = keep(centroids, centroidLandmark)
        (copy.references, copy.referenceLandmark) = keep(references, referenceLandmark)
        return copy
    }

    /// Adds a landmark from its photos' backbone features: embedded with the pack's head, clustered into centroids
    /// like a build does, the first five kept as (checked) references. Returns how many centroids it got.
    @discardableResult
    public mutating func adding(
        _ landmark: Landmark, features: [[Float]], photoNames: [String]? = nil, builder: PackBuilder
    ) -> Int {
        let d = dimension
        let embedded = head.embed(features.flatMap { $0 }, count: features.count)
        let rows = (0..<features.count).map { Array(embedded[($0 * d)..<(($0 + 1) * d)]) }
        let index = landmarks.count
        var landmark = landmark
        if let photoNames { landmark.referencePhotos = Array(photoNames.prefix(min(5, rows.count))) }
        landmarks.append(landmark)
        let centroidsOfLandmark = builder.centroidsOf(rows)
        for centroid in centroidsOfLandmark {
            centroids += centroid
            centroidLandmark.append(index)
        }
        for reference in rows.prefix(5) {
            references += reference
            referenceLandmark.append(index)
        }
        provenance.dataset["added"] = ((provenance.dataset["added"].map { $0 + ", " } ?? "") + landmark.key)
        return centroidsOfLandmark.count
    }

    /// Gives landmark `index` its own η for photos without GPS: the lowest score that lets at most
    /// (1 − `specificity`) of `negatives` (backbone features of photos that do not show it) reach its centroids,
    /// when that is stricter than the pack's η. Returns the threshold set, or nil when the pack's holds (or there
    /// are no negatives).
    @discardableResult
    public mutating func calibrateThreshold(
        ofLandmark index: Int, negatives: [[Float]], specificity: Double = 0.99
    ) -> Float? {
        landmarks[index].threshold = nil
        guard !negatives.isEmpty else { return nil }
        let d = dimension
        let embedded = head.embed(negatives.flatMap { $0 }, count: negatives.count)
        let rows = centroidLandmark.indices.filter { centroidLandmark[$0] == index }
        var scores: [Float] = []
        for photo in 0..<negatives.count {
            var best = -Float.infinity
            for row in rows {
                var sum: Float = 0
                for i in 0..<d { sum += embedded[photo * d + i] * centroids[row * d + i] }
                best = max(best, sum)
            }
            scores.append(best)
        }
        scores.sort(by: >)
        let allowed = Int((1 - specificity) * Double(scores.count) + 1e-9)
        guard allowed < scores.count else { return nil }
        let threshold = scores[allowed].nextUp
        guard threshold > thresholds.global else { return nil }
        landmarks[index].threshold = threshold
        return threshold
    }

    /// Adds `landmark` from photo files (`photos`, absolute paths), embedded with the pack's head and clustered like
    /// a build does; with `negatives` (files of photos that do not show it), also its own stricter η without GPS
    /// where they need one. Photos that cannot be read are skipped and listed. What `cairn landmarks add` and
    /// adoption of a discovered landmark share; the caller writes the pack. Once `isCancelled` says so, no more photo
    /// is read and nothing is added (a daemon stopping).
    public mutating func add(
        _ landmark: Landmark, photos: [String], negatives: [String] = [], extractor: FeatureExtractor,
        isCancelled: @Sendable () -> Bool = { false }
    ) throws(LandmarkBuildError) -> PackAddition {
        var features: [[Float]] = []
        var names: [String] = []
        var skipped: [String] = []
        for result in extractor.features(of: photos, isCancelled: isCancelled) {
            switch result {
            case .success(let photo):
                features.append(photo.features)
                names.append(landmark.key + "/" + (photo.path as NSString).lastPathComponent)
            case .failure(let error): skipped.append("\(error)")
            }
        }
        guard !features.isEmpty || isCancelled() else {
            throw LandmarkBuildError("no photo of \(landmark.key) could be read")
        }
        var negativeFeatures: [[Float]] = []
        for result in extractor.features(of: negatives, isCancelled: isCancelled) {
            if case .success(let photo) = result { negativeFeatures.append(photo.features) }
        }
        if isCancelled() { throw LandmarkBuildError("stopped before \(landmark.key) was added") }
        var parameters = BuildParameters()
        if let distance = provenance.parameters["cluster-distance"].flatMap(Float.init) {
            parameters.clusterDistance = distance
        }
        var counted = landmark
        counted.photos = features.count
        let centroids = adding(
            counted, features: features, photoNames: names, builder: PackBuilder(parameters: parameters))
        let threshold = calibrateThreshold(ofLandmark: landmarks.count - 1, negatives: negativeFeatures)
        return PackAddition(
            photos: features.count, centroids: centroids, negatives: negativeFeatures.count, threshold: threshold,
            skipped: skipped)
    }
}

/// What adding a landmark to a pack did.
public struct PackAddition: Sendable {
    /// Photos that could be read, and the centroids they gave.
    public var photos: Int
    public var centroids: Int
    /// Negatives read, and the landmark's own threshold they set (nil: the pack's η holds).
    public var negatives: Int
    public var threshold: Float?
    /// Why the photos that could not be read were skipped.
    public var skipped: [String]
}
