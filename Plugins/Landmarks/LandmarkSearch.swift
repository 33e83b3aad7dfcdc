import CairnInference
import CairnRecognition
import Foundation

/// Recognition over a pack, the paper's Algorithm 2, for a batch of embedded photos at once.
///
/// - A photo with GPS is compared only with the landmarks inside the square of `geoSquareKm` around it, and a
///   landmark is accepted when its best centroid similarity reaches η_geo (evidence: geo).
/// - A photo without GPS is compared with every centroid in one matrix product (a batch of photos shares one
///   pass over the centroids); the landmarks whose best similarity reaches η are candidates, best first, at most
///   k; a candidate is kept only if the mean similarity to its reference photos exceeds ω (evidence: references).
/// - With everyday exemplars in the pack (format 2) and a margin μ (μ_geo with GPS), a candidate must also beat
///   the photo's similarity to its nearest everyday exemplar by μ: a mountain that looks a little like Machu
///   Picchu looks more like the mountains among the exemplars.
/// - All landmarks of one photo must share a city: those in another city than the best one are dropped.
public final class LandmarkSearch: Sendable {
    /// One landmark found in one photo.
    public struct Match: Sendable, Equatable {
        public var landmark: Int
        public var score: Float
        public var evidence: LandmarkSighting.Evidence
        /// The mean similarity to the landmark's references, when that check ran.
        public var referenceScore: Float?
        /// The threshold the score passed (η without GPS, η_geo with).
        public var threshold: Float = 0
        /// The score less the similarity to the nearest everyday exemplar, and the margin it had to reach (nil:
        /// no margin check).
        public var margin: Float?
        public var marginThreshold: Float?
        /// The η_sure the score reached, when that waived the margin check.
        public var sure: Float?
        /// The landmark's reference photo most like this one (a row of the pack's references) and its similarity.
        public var nearestReference: Int?
        public var nearestReferenceScore: Float?

        public init(
            landmark: Int, score: Float, evidence: LandmarkSighting.Evidence, referenceScore: Float? = nil,
            threshold: Float = 0, margin: Float? = nil, marginThreshold: Float? = nil
        ) {
            self.landmark = landmark
            self.score = score
            self.evidence = evidence
            self.referenceScore = referenceScore
            self.threshold = threshold
            self.margin = margin
            self.marginThreshold = marginThreshold
        }
    }

    /// What may be switched off or changed, for the evaluation's comparisons.
    public struct Options: Sendable {
        public var k: Int?
        public var useReferences = true
        /// Whether the margin over the everyday exemplars is checked (when the pack has them).
        public var useMargin = true
        /// Side, in km, of the square around a photo's GPS position whose landmarks it is searched among.
        public static let defaultGeoSquareKm = 1.0
        public var geoSquareKm = defaultGeoSquareKm
        public init(
            k: Int? = nil, useReferences: Bool = true, useMargin: Bool = true,
            geoSquareKm: Double = defaultGeoSquareKm
        ) {
            self.k = k
            self.useReferences = useReferences
            self.useMargin = useMargin
            self.geoSquareKm = geoSquareKm
        }
    }

    public let pack: LandmarkPack
    /// For each landmark, the rows of its centroids and of its references.
    let centroidRows: [[Int]]
    let referenceRows: [Range<Int>]
    /// η for each landmark without GPS: the pack's, or the landmark's own when stricter.
    let globalThreshold: [Float]
    /// Landmarks by 0.1° cell of their coordinates, for the geo-scoped search.
    let cells: [Cell: [Int]]

    struct Cell: Hashable, Sendable {
        var lat: Int
        var lon: Int
        init(latitude: Double, longitude: Double) {
            lat = Int((latitude * 10).rounded(.down))
            lon = Int((longitude * 10).rounded(.down))
        }
    }

    public init(pack: LandmarkPack) {
        self.pack = pack
        var centroidRows = [[Int]](repeating: [], count: pack.landmarks.count)
        for (row, landmark) in pack.centroidLandmark.enumerated() { centroidRows[landmark].append(row) }
        self.centroidRows = centroidRows
        var referenceRows = [Range<Int>](repeating: 0..<0, count: pack.landmarks.count)
        var start = 0
        while start < pack.referenceLandmark.count {
            let landmark = pack.referenceLandmark[start]
            var end = start
            while end < pack.referenceLandmark.count && pack.referenceLandmark[end] == landmark { end += 1 }
            referenceRows[landmark] = start..<end
            start = end
        }
        self.referenceRows = referenceRows
        globalThreshold = pack.landmarks.map { max(pack.thresholds.global, $0.threshold ?? -.infinity) }
        var cells: [Cell: [Int]] = [:]
        for (index, landmark) in pack.landmarks.enumerated() {
            cells[Cell(latitude: landmark.latitude, longitude: landmark.longitude), default: []].append(index)
        }
        self.cells = cells
    }

    /// Searches `count` embeddings (count × D unit vectors); `locations[i]` is photo i's GPS position, if any.
    public func search(
        embeddings: [Float], count: Int, locations: [(latitude: Double, longitude: Double)?],
        options: Options = Options()
    ) -> [[Match]] {
        let d = pack.dimension
        precondition(embeddings.count == count * d && locations.count == count, "search: batch shapes")
        let k = options.k ?? pack.thresholds.k
        var results = [[Match]](repeating: [], count: count)
        let t = pack.thresholds
        let exemplar =
            options.useMargin && (t.margin != nil || t.geoMargin != nil)
            ? nearestExemplar(embeddings, count: count) : [Float](repeating: -.infinity, count: count)
        /// The margin check: nil when it does not apply (no margin, or the score reaches η_sure), else the
        /// margin and the μ it must reach.
        func marginCheck(_ score: Float, photo: Int, required: Float?, sure: Float?) -> (Float, Float)? {
            guard options.useMargin, let required, exemplar[photo] > -.infinity else { return nil }
            if let sure, score >= sure { return nil }
            return (score - exemplar[photo], required)
        }
        func waived(_ score: Float, _ required: Float?, _ sure: Float?) -> Float? {
            guard options.useMargin, required != nil, let sure, score >= sure else { return nil }
            return sure
        }

        // Photos without GPS: one matrix product against every centroid.
        let global = (0..<count).filter { locations[$0] == nil }
        if !global.isEmpty {
            var queries = [Float](repeating: 0, count: global.count * d)
            for (row, photo) in global.enumerated() {
                queries.replaceSubrange((row * d)..<((row + 1) * d), with: embeddings[(photo * d)..<((photo + 1) * d)])
            }
            let c = pack.centroidCount
            var scores = [Float](repeating: 0, count: global.count * c)
            // One photo: a matrix-vector product; several: one matrix product, which reads the centroids once for
            // the whole batch.
            queries.withUnsafeBufferPointer { q in
                pack.centroids.withUnsafeBufferPointer { centroids in
                    scores.withUnsafeMutableBufferPointer { s in
                        if global.count == 1 {
                            BLAS.dotRows(centroids, rows: c, dim: d, query: q, into: s)
                        } else {
                            BLAS.multiplyTransposed(q, centroids, into: s, m: global.count, n: c, k: d)
                        }
                    }
                }
            }
            for (row, photo) in global.enumerated() {
                var best = [Float](repeating: -.infinity, count: pack.landmarks.count)
                for column in 0..<c {
                    let landmark = pack.centroidLandmark[column]
                    best[landmark] = max(best[landmark], scores[row * c + column])
                }
                let candidates = best.indices.filter { best[$0] >= globalThreshold[$0] }
                    .sorted { best[$0] > best[$1] }.prefix(k)
                var matches: [Match] = []
                for landmark in candidates {
                    let margin = marginCheck(best[landmark], photo: photo, required: t.margin, sure: t.sure)
                    if let margin, margin.0 < margin.1 { continue }
                    var referenceScore: Float?
                    if options.useReferences, !referenceRows[landmark].isEmpty {
                        let mean = meanReferenceSimilarity(embeddings, photo: photo, landmark: landmark)
                        guard mean > t.references else { continue }
                        referenceScore = mean
                    }
                    var match = Match(
                        landmark: landmark, score: best[landmark], evidence: .references,
                        referenceScore: referenceScore,
                        threshold: globalThreshold[landmark], margin: margin?.0, marginThreshold: margin?.1)
                    match.sure = waived(best[landmark], t.margin, t.sure)
                    (match.nearestReference, match.nearestReferenceScore) = nearestReference(
                        embeddings, photo: photo, landmark: landmark)
                    matches.append(match)
                }
                results[photo] = sameCity(matches)
            }
        }

        // Photos with GPS: only the landmarks near them.
        for photo in 0..<count {
            guard let location = locations[photo] else { continue }
            let nearby = landmarks(near: location, squareKm: options.geoSquareKm)
            var matches: [Match] = []
            for landmark in nearby {
                var best: Float = -.infinity
                for row in centroidRows[landmark] { best = max(best, dot(embeddings, photo, pack.centroids, row)) }
                guard best >= t.geo else { continue }
                let margin = marginCheck(best, photo: photo, required: t.geoMargin, sure: t.geoSure)
                if let margin, margin.0 < margin.1 { continue }
                var match = Match(
                    landmark: landmark, score: best, evidence: .geo, threshold: t.geo, margin: margin?.0,
                    marginThreshold: margin?.1)
                match.sure = waived(best, t.geoMargin, t.geoSure)
                (match.nearestReference, match.nearestReferenceScore) = nearestReference(
                    embeddings, photo: photo, landmark: landmark)
                matches.append(match)
            }
            results[photo] = sameCity(Array(matches.sorted { $0.score > $1.score }.prefix(k)))
        }
        return results
    }

    /// Embeds `count` photos' backbone features (count × 1,280) with the pack's head and searches them in one batch:
    /// what the recognizer and `cairn landmarks recognize` both do.
    public func search(
        features: [Float], count: Int, locations: [(latitude: Double, longitude: Double)?], options: Options = Options()
    ) -> [[Match]] {
        search(
            embeddings: pack.head.embed(features, count: count), count: count, locations: locations, options: options)
    }

    /// The landmarks inside the square of side `squareKm` centred on `location`.
    public func landmarks(near location: (latitude: Double, longitude: Double), squareKm: Double) -> [Int] {
        let halfLatitude = squareKm / 2 / 111.32
        let halfLongitude = squareKm / 2 / (111.32 * max(0.01, cos(location.latitude * .pi / 180)))
        let low = Cell(latitude: location.latitude - halfLatitude, longitude: location.longitude - halfLongitude)
        let high = Cell(latitude: location.latitude + halfLatitude, longitude: location.longitude + halfLongitude)
        var found: [Int] = []
        for lat in low.lat...high.lat {
            for lon in low.lon...high.lon {
                for index in cells[Cell(lat: lat, lon: lon)] ?? [] {
                    let landmark = pack.landmarks[index]
                    if abs(landmark.latitude - location.latitude) <= halfLatitude,
                        abs(landmark.longitude - location.longitude) <= halfLongitude
                    {
                        found.append(index)
                    }
                }
            }
        }
        return found
    }

    /// The mean similarity of photo `photo` of `embeddings` to the reference photos of `landmark` (1 when the
    /// landmark has none, so the check passes).
    public func meanReferenceSimilarity(_ embeddings: [Float], photo: Int, landmark: Int) -> Float {
        let rows = referenceRows[landmark]
        guard !rows.isEmpty else { return 1 }
        var total: Float = 0
        for row in rows { total += dot(embeddings, photo, pack.references, row) }
        return total / Float(rows.count)
    }

    /// Each photo's similarity to its nearest everyday exemplar (−∞ when the pack has none): one matrix product
    /// for the batch.
    public func nearestExemplar(_ embeddings: [Float], count: Int) -> [Float] {
        let e = pack.exemplarCount
        let d = pack.dimension
        guard e > 0, count > 0 else { return [Float](repeating: -.infinity, count: count) }
        var scores = [Float](repeating: 0, count: count * e)
        embeddings.withUnsafeBufferPointer { q in
            pack.exemplars.withUnsafeBufferPointer { x in
                scores.withUnsafeMutableBufferPointer { s in
                    if count == 1 {
                        BLAS.dotRows(x, rows: e, dim: d, query: q, into: s)
                    } else {
                        BLAS.multiplyTransposed(q, x, into: s, m: count, n: e, k: d)
                    }
                }
            }
        }
        return (0..<count).map { photo in scores[(photo * e)..<((photo + 1) * e)].max() ?? -.infinity }
    }

    /// The reference row of `landmark` most similar to photo `photo`, and that similarity.
    public func nearestReference(_ embeddings: [Float], photo: Int, landmark: Int) -> (Int?, Float?) {
        var best: (Int?, Float?) = (nil, nil)
        for row in referenceRows[landmark] {
            let score = dot(embeddings, photo, pack.references, row)
            if best.1 == nil || score > best.1! { best = (row, score) }
        }
        return best
    }

    /// The dataset file name of reference row `row` (`KEY/NAME`), when the pack records it.
    public func referenceName(row: Int) -> String? {
        let landmark = pack.referenceLandmark[row]
        guard let names = pack.landmarks[landmark].referencePhotos else { return nil }
        let position = row - referenceRows[landmark].lowerBound
        return names.indices.contains(position) ? names[position] : nil
    }

    private func dot(_ a: [Float], _ rowA: Int, _ b: [Float], _ rowB: Int) -> Float {
        let d = pack.dimension
        var sum: Float = 0
        for i in 0..<d { sum += a[rowA * d + i] * b[rowB * d + i] }
        return sum
    }

    /// Keeps the matches in the best match's city.
    private func sameCity(_ matches: [Match]) -> [Match] {
        guard let first = matches.first else { return [] }
        let city = pack.landmarks[first.landmark].city
        let country = pack.landmarks[first.landmark].country
        return matches.filter {
            pack.landmarks[$0.landmark].city == city && pack.landmarks[$0.landmark].country == country
        }
    }
}

extension LandmarkSearch.Cell {
    init(lat: Int, lon: Int) {
        self.lat = lat
        self.lon = lon
    }
}

extension LandmarkSearch {
    /// Why a match was accepted, in one line for `cairn photo` and `cairn landmarks recognize`: the score and the
    /// threshold it passed, the margin over the everyday exemplars, the reference check, and the reference photo
    /// it looked most like.
    /// A threshold at −1 (the bottom of the scale: the calibration found the other checks enough) is not named.
    public func explanation(_ match: Match) -> String {
        let eta = match.evidence == .geo ? "η_geo" : "η"
        var parts = [
            match.threshold > -1
                ? String(format: "score %.3f ≥ %@ %.3f", match.score, eta, match.threshold)
                : String(format: "score %.3f (no %@ floor)", match.score, eta)
        ]
        if let margin = match.margin, let required = match.marginThreshold {
            let marginName = match.evidence == .geo ? "μ_geo" : "μ"
            parts.append(
                String(format: "margin %.3f over the nearest everyday photo ≥ %@ %.3f", margin, marginName, required))
        } else if let sure = match.sure {
            parts.append(
                String(
                    format: "score ≥ %@ %.3f: sure enough without the margin",
                    match.evidence == .geo ? "η_geo,sure" : "η_sure", sure))
        }
        if let reference = match.referenceScore {
            let omega = pack.thresholds.references
            parts.append(
                omega > -1
                    ? String(format: "references %.3f > ω %.3f", reference, omega)
                    : String(format: "references %.3f", reference))
        }
        if let row = match.nearestReference, let score = match.nearestReferenceScore {
            parts.append(String(format: "nearest reference %@ (%.3f)", referenceName(row: row) ?? "#\(row)", score))
        }
        return (match.evidence == .geo ? "geo: " : "references: ") + parts.joined(separator: "; ")
    }
}
