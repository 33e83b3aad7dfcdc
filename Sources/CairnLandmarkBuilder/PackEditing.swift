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
}
