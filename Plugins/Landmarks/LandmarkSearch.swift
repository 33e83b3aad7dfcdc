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
/// - All landmarks of one photo must share a city: those in another city than the best one are dropped.
public final class LandmarkSearch: Sendable {
    /// One landmark found in one photo.
    public struct Match: Sendable, Equatable {
        public var landmark: Int
        public var score: Float
        public var evidence: LandmarkSighting.Evidence
        /// The mean similarity to the landmark's references, when that check ran.
        public var referenceScore: Float?
    }

    /// What may be switched off or changed, for the evaluation's comparisons.
    public struct Options: Sendable {
        public var k: Int?
        public var useReferences = true
        public var geoSquareKm: Double = 1
        public init(k: Int? = nil, useReferences: Bool = true, geoSquareKm: Double = 1) {
            self.k = k
            self.useReferences = useReferences
            self.geoSquareKm = geoSquareKm
        }
    }

    public let pack: LandmarkPack
    /// For each landmark, the rows of its centroids and of its references.
    let centroidRows: [[Int]]
    let referenceRows: [Range<Int>]
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
        var cells: [Cell: [Int]] = [:]
        for (index, landmark) in pack.landmarks.enumerated() {
            cells[Cell(latitude: landmark.latitude, longitude: landmark.longitude), default: []].append(index)
        }
        self.cells = cells
    }

    /// Searches `count` embeddings (count × D unit vectors); `locations[i]` is photo i's GPS position, if any.
    public func search(
        embeddings: [Float], count: Int, locations: [(latitude: Double, longitude: Double)?], options: Options = Options()
    ) -> [[Match]] {
        let d = pack.dimension
        precondition(embeddings.count == count * d && locations.count == count, "search: batch shapes")
        let k = options.k ?? pack.thresholds.k
        var results = [[Match]](repeating: [], count: count)

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
                let candidates = best.indices.filter { best[$0] >= pack.thresholds.global }
                    .sorted { best[$0] > best[$1] }.prefix(k)
                var matches: [Match] = []
                for landmark in candidates {
                    if options.useReferences, !referenceRows[landmark].isEmpty {
                        let referenceScore = meanReferenceSimilarity(embeddings, photo: photo, landmark: landmark)
                        guard referenceScore > pack.thresholds.references else { continue }
                        matches.append(Match(landmark: landmark, score: best[landmark], evidence: .references, referenceScore: referenceScore))
                    } else {
                        matches.append(Match(landmark: landmark, score: best[landmark], evidence: .references, referenceScore: nil))
                    }
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
                if best >= pack.thresholds.geo {
                    matches.append(Match(landmark: landmark, score: best, evidence: .geo, referenceScore: nil))
                }
            }
            results[photo] = sameCity(Array(matches.sorted { $0.score > $1.score }.prefix(k)))
        }
        return results
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
        return matches.filter { pack.landmarks[$0.landmark].city == city && pack.landmarks[$0.landmark].country == country }
    }
}

extension LandmarkSearch.Cell {
    init(lat: Int, lon: Int) {
        self.lat = lat
        self.lon = lon
    }
}
