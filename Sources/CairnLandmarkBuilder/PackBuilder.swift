import CairnInference
import Foundation
import Landmarks

/// One landmark's photos as backbone features, ready to build from.
public struct LandmarkPhotos: Sendable {
    public var landmark: LandmarkPack.Landmark
    public var paths: [String]
    /// 1,280 values per photo.
    public var features: [[Float]]
    /// Which photos (indices) a person checked as references (`KEY/references/`); empty: the builder chooses.
    public var checkedReferences: [Int]

    public init(landmark: LandmarkPack.Landmark, paths: [String], features: [[Float]], checkedReferences: [Int]) {
        self.landmark = landmark
        self.paths = paths
        self.features = features
        self.checkedReferences = checkedReferences
    }
}

/// The build's parameters. Their defaults are derived for small classes (tens of photos per landmark, not the
/// paper's thousands): see docs/LANDMARKS.md.
public struct BuildParameters: Sendable {
    /// Embedding size of the untrained projection.
    public var dimension = 512
    /// γ: a photo whose similarity to its landmark's reference centroid is below this is rejected as noise.
    public var gamma: Float = 0.3
    /// Complete-linkage distance threshold (Euclidean, between unit vectors: 1.2 ⇔ similarity ≥ 0.28).
    public var clusterDistance: Float = 1.2
    /// A cluster is valid (gets its own centroid) with at least max(minClusterSize, minClusterFraction × photos).
    public var minClusterSize = 3
    public var minClusterFraction = 0.1
    /// One mean centroid per landmark instead of clustering (for comparison).
    public var singleCentroid = false
    /// How many reference photos to choose when none were checked.
    public var referenceCount = 5
    /// Share of each landmark's photos held out to calibrate the thresholds.
    public var calibrationFraction = 0.2
    /// Target specificity without GPS (sets η and ω) and with GPS (sets η_geo).
    public var targetSpecificity = 0.99
    public var targetGeoSpecificity = 0.995
    /// k: at most this many landmarks per photo.
    public var k = 3
    /// Side of the search square around a photo with GPS, in km, and how far synthetic GPS strays from a landmark.
    public var geoSquareKm = LandmarkSearch.Options.defaultGeoSquareKm
    public var geoJitterMeters = 300.0
    /// Seed of every random choice (splits, synthetic GPS), so a build is reproducible.
    public var seed: UInt64 = 1
    /// Hold every kind of negative (a subfolder of --negatives: landscape, mountain, street, …) to the target
    /// specificity on its own, not only all of them together, so an easy kind (pets, food) cannot pay for a hard
    /// one (mountains).
    public var perKind = true
    /// Calibrate a margin μ over the nearest everyday exemplar when the head brings exemplars.
    public var margin = true
    /// Let the calibration waive the margin from a score η_sure on (searched with μ). Off by default: it gained
    /// 0.8 points of sensitivity on average and let mountains and coasts through as Machu Picchu and Ha Long Bay
    /// (docs/LANDMARKS.md, "What each part gives").
    public var sure = false

    /// Thresholds used when no negatives are given (no calibration): the values a calibration on the shared
    /// development data gives, rounded.
    public static let uncalibrated = LandmarkPack.Thresholds(global: 0.7, geo: 0.55, references: -1, k: 3)

    public init() {}

    var recorded: [String: String] {
        [
            "dimension": "\(dimension)", "gamma": "\(gamma)", "cluster-distance": "\(clusterDistance)",
            "min-cluster-size": "\(minClusterSize)", "min-cluster-fraction": "\(minClusterFraction)",
            "single-centroid": "\(singleCentroid)", "reference-count": "\(referenceCount)",
            "calibration-fraction": "\(calibrationFraction)", "target-specificity": "\(targetSpecificity)",
            "target-geo-specificity": "\(targetGeoSpecificity)", "k": "\(k)", "geo-square-km": "\(geoSquareKm)",
            "geo-jitter-m": "\(geoJitterMeters)", "seed": "\(seed)", "per-kind": "\(perKind)", "margin": "\(margin)",
            "sure": "\(sure)",
        ]
    }
}

/// What a build did, for the summary.
public struct BuildReport: Sendable, Codable {
    public struct Landmark: Sendable, Codable {
        public var key: String
        public var photos: Int
        public var rejected: Int
        public var centroids: Int
        public var referencesChecked: Bool
    }

    public struct Calibration: Sendable, Codable {
        public var positives: Int
        public var negatives: Int
        /// On the held-out landmark photos and the negatives, with the chosen thresholds.
        public var sensitivity: Double
        public var specificity: Double
        public var geoSensitivity: Double
        public var geoSpecificity: Double
    }

    public var landmarks: [Landmark]
    public var thresholds: LandmarkPack.Thresholds
    public var calibration: Calibration?
    public var centroids: Int { landmarks.reduce(0) { $0 + $1.centroids } }
    public var rejected: Int { landmarks.reduce(0) { $0 + $1.rejected } }
}

/// Builds a landmark pack from landmark photos and non-landmark photos (features already computed): fit the
/// untrained projection, clean each landmark's photos against its reference centroid (the paper's Algorithm 3),
/// cluster them (complete linkage) into centroids (Eq. 2), and calibrate η, ω and η_geo on held-out photos and
/// the negatives for the target specificity.
public struct PackBuilder: Sendable {
    public var parameters: BuildParameters
    public var log: @Sendable (String) -> Void

    public init(parameters: BuildParameters = BuildParameters(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.parameters = parameters
        self.log = log
    }

    /// Builds a pack. `exemplars`: everyday photos' features (not the calibration negatives) whose embeddings go into
    /// the pack as the non-landmark class's exemplars, so recognition can ask for a margin over them. `heldOut`:
    /// the landmark photos (paths) a trained head never saw, which then calibrate the thresholds (a photo the head
    /// trained on scores higher than a new one would, and would set them for photos the pack never meets);
    /// without, a random `calibrationFraction` of each landmark's photos.
    public func build(
        _ landmarks: [LandmarkPhotos], negatives: NegativePhotos, backbone: String,
        head suppliedHead: EmbeddingHead? = nil,
        exemplars: [[Float]] = [], heldOut: Set<String> = [], dataset: [String: String] = [:]
    ) throws(LandmarkBuildError) -> (LandmarkPack, BuildReport) {
        let usable = landmarks.filter { !$0.features.isEmpty }
        for dropped in landmarks where dropped.features.isEmpty {
            log("landmark \(dropped.landmark.key): no usable photo, left out of the pack")
        }
        guard !usable.isEmpty else { throw LandmarkBuildError("no landmark has a usable photo") }
        let p = parameters
        let head = suppliedHead ?? Self.untrainedHead(usable.flatMap(\.features), dimension: p.dimension)
        log("embedding: \(head.name), \(head.outputCount) dimensions")

        // Embed, choose references, clean.
        var classes: [CleanClass] = []
        var reportRows: [BuildReport.Landmark] = []
        for photos in usable {
            let embedded = head.embed(photos.features.flatMap { $0 }, count: photos.features.count)
            let rows = (0..<photos.features.count).map {
                Array(embedded[($0 * head.outputCount)..<(($0 + 1) * head.outputCount)])
            }
            let checked = !photos.checkedReferences.isEmpty
            let references = checked ? photos.checkedReferences : Self.typical(rows, count: p.referenceCount)
            let referenceCentroid = Self.mean(references.map { rows[$0] })
            var kept = rows.indices.filter {
                references.contains($0) || Self.dot(rows[$0], referenceCentroid) >= p.gamma
            }
            if kept.count < min(3, rows.count) { kept = Array(rows.indices) }
            var landmark = photos.landmark
            if photos.paths.count == rows.count {
                landmark.referencePhotos = references.map { Self.datasetName(photos.paths[$0], key: landmark.key) }
            }
            classes.append(
                CleanClass(
                    landmark: landmark, embeddings: kept.map { rows[$0] },
                    paths: photos.paths.count == rows.count ? kept.map { photos.paths[$0] } : [],
                    references: references.map { rows[$0] }, referencesChecked: checked))
            reportRows.append(
                BuildReport.Landmark(
                    key: photos.landmark.key, photos: rows.count, rejected: rows.count - kept.count, centroids: 0,
                    referencesChecked: checked))
        }
        let rejected = reportRows.reduce(0) { $0 + $1.rejected }
        log(
            "cleaning (γ = \(p.gamma)): kept \(classes.reduce(0) { $0 + $1.embeddings.count }) photos, rejected \(rejected); references checked for \(classes.filter(\.referencesChecked).count) of \(classes.count) landmarks"
        )
        for row in reportRows where row.rejected > 0 { log("  \(row.key): rejected \(row.rejected) of \(row.photos)") }

        // Calibrate on a held-out part, then build the final centroids from every clean photo.
        var thresholds = BuildParameters.uncalibrated
        thresholds.k = p.k
        let embeddedExemplars = p.margin ? head.embed(exemplars.flatMap { $0 }, count: exemplars.count) : []
        var calibration: BuildReport.Calibration?
        if negatives.features.isEmpty {
            log(
                "no negatives given: thresholds are the uncalibrated defaults (η \(thresholds.global), η_geo \(thresholds.geo))"
            )
        } else {
            let embeddedNegatives = head.embed(negatives.features.flatMap { $0 }, count: negatives.count)
            (thresholds, calibration) = calibrate(
                classes, negatives: embeddedNegatives, kinds: negatives.kinds, exemplars: embeddedExemplars,
                heldOut: heldOut, head: head)
        }
        var pack = assemble(classes, head: head, thresholds: thresholds, backbone: backbone, dataset: dataset)
        pack.exemplars = embeddedExemplars
        if !embeddedExemplars.isEmpty {
            log("everyday exemplars: \(exemplars.count) in the pack, for the margin μ")
        }
        var centroidCounts = [Int](repeating: 0, count: classes.count)
        for owner in pack.centroidLandmark { centroidCounts[owner] += 1 }
        for index in reportRows.indices { reportRows[index].centroids = centroidCounts[index] }
        log(
            "clustering (complete linkage, distance ≤ \(p.clusterDistance)): \(pack.centroidCount) centroids for \(classes.count) landmarks, \(centroidCounts.filter { $0 > 1 }.count) with several"
        )
        pack.provenance.dataset["rejected-photos"] = "\(rejected)"
        if let calibration {
            pack.provenance.dataset["calibration"] = String(
                format: "%d held-out photos, %d negatives: sensitivity %.3f, specificity %.3f; with GPS %.3f, %.3f",
                calibration.positives, calibration.negatives, calibration.sensitivity, calibration.specificity,
                calibration.geoSensitivity, calibration.geoSpecificity)
        }
        return (pack, BuildReport(landmarks: reportRows, thresholds: thresholds, calibration: calibration))
    }

    // MARK: Steps

    struct CleanClass {
        var landmark: LandmarkPack.Landmark
        var embeddings: [[Float]]
        /// The photo of each embedding (empty when the photos have no paths).
        var paths: [String] = []
        var references: [[Float]]
        var referencesChecked: Bool
    }

    /// The pack from cleaned classes: centroids by clustering, references, metadata.
    func assemble(
        _ classes: [CleanClass], head: EmbeddingHead, thresholds: LandmarkPack.Thresholds, backbone: String,
        dataset: [String: String]
    ) -> LandmarkPack {
        var centroids: [Float] = []
        var centroidLandmark: [Int] = []
        var references: [Float] = []
        var referenceLandmark: [Int] = []
        var landmarks: [LandmarkPack.Landmark] = []
        for (index, item) in classes.enumerated() {
            for centroid in centroidsOf(item.embeddings) {
                centroids += centroid
                centroidLandmark.append(index)
            }
            for reference in item.references {
                references += reference
                referenceLandmark.append(index)
            }
            var landmark = item.landmark
            landmark.photos = item.embeddings.count
            landmark.referencesChecked = item.referencesChecked
            landmarks.append(landmark)
        }
        var summary = dataset
        summary["landmarks"] = "\(classes.count)"
        summary["photos"] = "\(classes.reduce(0) { $0 + $1.embeddings.count })"
        return LandmarkPack(
            head: head, landmarks: landmarks, centroids: centroids, centroidLandmark: centroidLandmark,
            references: references, referenceLandmark: referenceLandmark, thresholds: thresholds,
            provenance: LandmarkPack.Provenance(
                backbone: backbone, head: head.name, headHash: head.fingerprint, parameters: parameters.recorded,
                dataset: summary, createdAt: ISO8601DateFormatter().string(from: Date())))
    }

    /// Eq. 2: one centroid (the normalised mean) per valid cluster; with no valid cluster, the largest one's.
    public func centroidsOf(_ embeddings: [[Float]]) -> [[Float]] {
        guard !embeddings.isEmpty else { return [] }
        if parameters.singleCentroid || embeddings.count < 3 { return [Self.mean(embeddings)] }
        let d = embeddings[0].count
        let clusters = Clustering.completeLinkage(
            embeddings.flatMap { $0 }, count: embeddings.count, dimension: d, threshold: parameters.clusterDistance)
        let minimum = max(parameters.minClusterSize, Int(parameters.minClusterFraction * Double(embeddings.count)))
        let valid = clusters.filter { $0.count >= minimum }
        return (valid.isEmpty ? [clusters[0]] : valid).map { cluster in Self.mean(cluster.map { embeddings[$0] }) }
    }

    /// Chooses η, ω and μ (no GPS) and η_geo and μ_geo (GPS) for the target specificities, on a held-out part of
    /// each landmark's photos and on the negatives (`kinds[i]`: negative i's kind; with `perKind`, every kind is
    /// held to the target on its own as well as all together). μ is a margin over the nearest of `exemplars`
    /// (embedded, E × D; empty: no margin).
    ///
    /// The search is exhaustive over a grid of ω and μ; for each pair η is the lowest score that keeps the
    /// negatives within their budgets, and the pair that recognises the most held-out photos wins (ties: the one
    /// that lets fewer negatives through).
    func calibrate(
        _ classes: [CleanClass], negatives: [Float], kinds: [String], exemplars: [Float], heldOut: Set<String> = [],
        head: EmbeddingHead
    ) -> (LandmarkPack.Thresholds, BuildReport.Calibration) {
        let p = parameters
        var random = SeededRandom(seed: p.seed)
        var fitting = classes
        var held: [(landmark: Int, embedding: [Float])] = []
        for (index, item) in classes.enumerated() where item.embeddings.count >= 5 {
            let order = Array(item.embeddings.indices).shuffled(using: &random)
            let named = item.paths.isEmpty ? [] : item.embeddings.indices.filter { heldOut.contains(item.paths[$0]) }
            if !heldOut.isEmpty {
                // The head's own held-out photos (none for this landmark: nothing to calibrate with, all fit).
                guard !named.isEmpty, named.count < item.embeddings.count else { continue }
                held += named.map { (index, item.embeddings[$0]) }
                fitting[index].embeddings = item.embeddings.indices.filter { !named.contains($0) }.map {
                    item.embeddings[$0]
                }
                continue
            }
            let count = max(1, Int((Double(order.count) * p.calibrationFraction).rounded()))
            held += order.prefix(count).map { (index, item.embeddings[$0]) }
            fitting[index].embeddings = order.dropFirst(count).map { item.embeddings[$0] }
        }
        var pack = assemble(fitting, head: head, thresholds: BuildParameters.uncalibrated, backbone: "", dataset: [:])
        pack.exemplars = exemplars
        let search = LandmarkSearch(pack: pack)
        let d = head.outputCount
        let negativeCount = negatives.count / d
        let heldEmbeddings = held.flatMap(\.embedding)
        let budgets = Budgets(kinds: kinds, specificity: p.targetSpecificity, perKind: p.perKind)
        // With GPS only all negatives together: the position already leaves a landmark or two to choose from,
        // and at 99.5% no kind but the largest has enough photos to be held alone.
        let geoBudgets = Budgets(kinds: kinds, specificity: p.targetGeoSpecificity, perKind: false)

        // Without GPS: each photo's best landmark, its score, its reference score and its margin.
        let positives = Scored(search: search, embeddings: heldEmbeddings, count: held.count)
        let negativeScores = Scored(search: search, embeddings: negatives, count: negativeCount)
        let right = held.indices.map { positives.best[$0] == held[$0].landmark }
        let margins: [Float?] =
            exemplars.isEmpty
            ? [nil] : [nil] + stride(from: -0.5, through: 0.5, by: 0.01).map { Float($0) }
        let omegas: [Float] = [-1] + stride(from: 0.0, through: 0.8, by: 0.02).map { Float($0) }
        // η_sure: off, or a score from which the margin is waived.
        let sures: [Float?] =
            exemplars.isEmpty || !p.sure ? [nil] : [nil] + stride(from: 0.5, through: 0.95, by: 0.05).map { Float($0) }
        let byScore = (0..<negativeCount).sorted { negativeScores.score[$0] > negativeScores.score[$1] }
        /// The margin check, waived from `sure` on.
        func marginPasses(_ value: Float, _ score: Float, _ margin: Float?, _ sure: Float?) -> Bool {
            guard let margin else { return true }
            return value >= margin || sure.map { score >= $0 } == true
        }
        var best = (
            hits: -1, through: Int.max, global: Float(1), references: Float(-1), margin: Float?.none, sure: Float?.none
        )
        for margin in margins {
            for sure in margin == nil ? [nil] : sures {
                for omega in omegas {
                    let eta = budgets.lowestThreshold(
                        byScore.filter {
                            negativeScores.reference[$0] > omega
                                && marginPasses(negativeScores.margin[$0], negativeScores.score[$0], margin, sure)
                        },
                        score: negativeScores.score)
                    var hits = 0
                    for index in held.indices
                    where right[index] && positives.score[index] >= eta
                        && positives.reference[index] > omega
                        && marginPasses(positives.margin[index], positives.score[index], margin, sure)
                    {
                        hits += 1
                    }
                    guard hits >= best.hits else { continue }
                    var through = 0
                    for index in 0..<negativeCount
                    where negativeScores.score[index] >= eta
                        && negativeScores.reference[index] > omega
                        && marginPasses(negativeScores.margin[index], negativeScores.score[index], margin, sure)
                    {
                        through += 1
                    }
                    if hits > best.hits || through < best.through {
                        best = (hits, through, eta, omega, margin, sure)
                    }
                }
            }
        }

        // With GPS: negatives placed near a random landmark, held-out photos near their own.
        let geoNegatives = (0..<negativeCount).map { photo -> (score: Float, margin: Float) in
            let landmark = pack.landmarks[Int.random(in: 0..<pack.landmarks.count, using: &random)]
            let found = geoScore(search, negatives, photo, jitter(landmark, using: &random))
            return (found.score, found.score - negativeScores.exemplar[photo])
        }
        let geoPositives = held.indices.map { index -> (right: Bool, score: Float, margin: Float) in
            let location = jitter(pack.landmarks[held[index].landmark], using: &random)
            let found = geoScore(search, heldEmbeddings, index, location)
            return (found.landmark == held[index].landmark, found.score, found.score - positives.exemplar[index])
        }
        let geoByScore = (0..<negativeCount).filter { geoNegatives[$0].score > -.infinity }
            .sorted { geoNegatives[$0].score > geoNegatives[$1].score }
        var bestGeo = (hits: -1, through: Int.max, eta: Float(1), margin: Float?.none, sure: Float?.none)
        let geoScores = geoNegatives.map(\.score)
        for margin in margins {
            for sure in margin == nil ? [nil] : sures {
                let eta = geoBudgets.lowestThreshold(
                    geoByScore.filter { marginPasses(geoNegatives[$0].margin, geoNegatives[$0].score, margin, sure) },
                    score: geoScores)
                let hits = geoPositives.filter {
                    $0.right && $0.score >= eta && marginPasses($0.margin, $0.score, margin, sure)
                }.count
                let through = geoNegatives.filter { $0.score >= eta && marginPasses($0.margin, $0.score, margin, sure) }
                    .count
                if hits > bestGeo.hits || hits == bestGeo.hits && through < bestGeo.through {
                    bestGeo = (hits, through, eta, margin, sure)
                }
            }
        }

        let thresholds = LandmarkPack.Thresholds(
            global: best.global, geo: bestGeo.eta, references: best.references, k: p.k, margin: best.margin,
            geoMargin: bestGeo.margin, sure: best.margin == nil ? nil : best.sure,
            geoSure: bestGeo.margin == nil ? nil : bestGeo.sure)
        let calibration = BuildReport.Calibration(
            positives: held.count, negatives: negativeCount,
            sensitivity: Double(best.hits) / Double(max(1, held.count)),
            specificity: 1 - Double(best.through) / Double(max(1, negativeCount)),
            geoSensitivity: Double(bestGeo.hits) / Double(max(1, held.count)),
            geoSpecificity: 1 - Double(bestGeo.through) / Double(max(1, negativeCount)))
        func marginText(_ margin: Float?) -> String { margin.map { String(format: "%.2f", $0) } ?? "off" }
        log(
            String(
                format:
                    "calibration on %d held-out photos and %d negatives (%@): η = %.3f, ω = %.3f, μ = %@, η_sure = %@ → sensitivity %.1f%%, specificity %.1f%%; η_geo = %.3f, μ_geo = %@, η_geo,sure = %@ → %.1f%%, %.1f%%",
                held.count, negativeCount, budgets.summary, thresholds.global, thresholds.references,
                marginText(thresholds.margin), marginText(thresholds.sure), 100 * calibration.sensitivity,
                100 * calibration.specificity, thresholds.geo, marginText(thresholds.geoMargin),
                marginText(thresholds.geoSure), 100 * calibration.geoSensitivity,
                100 * calibration.geoSpecificity))
        return (thresholds, calibration)
    }

    /// A GPS position a few hundred metres from `landmark`, as a phone's would be.
    func jitter(
        _ landmark: LandmarkPack.Landmark, using random: inout SeededRandom
    ) -> (latitude: Double, longitude: Double) {
        let metres = Double.random(in: 0...parameters.geoJitterMeters, using: &random)
        let bearing = Double.random(in: 0..<(2 * .pi), using: &random)
        let latitude = landmark.latitude + metres * cos(bearing) / 111_320
        let longitude =
            landmark.longitude + metres * sin(bearing) / (111_320 * max(0.01, cos(landmark.latitude * .pi / 180)))
        return (latitude, longitude)
    }

    /// The best landmark near `location` for photo `index` of `embeddings`, and its score (−∞ if none is near).
    func geoScore(
        _ search: LandmarkSearch, _ embeddings: [Float], _ index: Int, _ location: (latitude: Double, longitude: Double)
    ) -> (landmark: Int, score: Float) {
        let d = search.pack.dimension
        let query = Array(embeddings[(index * d)..<((index + 1) * d)])
        var best = (landmark: -1, score: -Float.infinity)
        for landmark in search.landmarks(near: location, squareKm: parameters.geoSquareKm) {
            for (row, owner) in search.pack.centroidLandmark.enumerated() where owner == landmark {
                let score = Self.dot(query, Array(search.pack.centroids[(row * d)..<((row + 1) * d)]))
                if score > best.score { best = (landmark, score) }
            }
        }
        return best
    }

    /// A photo's name inside its dataset, from its landmark's folder on: `KEY/NAME` or `KEY/references/NAME`.
    public static func datasetName(_ path: String, key: String) -> String {
        if let range = path.range(of: "/\(key)/", options: .backwards) { return key + "/" + path[range.upperBound...] }
        return key + "/" + (path as NSString).lastPathComponent
    }

    // MARK: Vectors

    /// The untrained projection: the `dimension` main axes of the normalised features' second-moment matrix (PCA
    /// without centring, which keeps dot products nearly as they were while shrinking the vectors), bias zero.
    public static func untrainedHead(_ features: [[Float]], dimension: Int) -> EmbeddingHead {
        let f = EfficientNetLite0.featureCount
        var normalised = features.flatMap { $0 }
        EmbeddingHead.normaliseRows(&normalised, width: f)
        let n = features.count
        var transposed = [Float](repeating: 0, count: n * f)
        for row in 0..<n { for column in 0..<f { transposed[column * n + row] = normalised[row * f + column] } }
        var moment = [Float](repeating: 0, count: f * f)
        transposed.withUnsafeBufferPointer { t in
            moment.withUnsafeMutableBufferPointer { m in BLAS.multiplyTransposed(t, t, into: m, m: f, n: f, k: n) }
        }
        let dimension = min(dimension, f)
        guard let eigen = BLAS.symmetricEigen(moment.map { $0 / Float(max(1, n)) }, n: f) else {
            // LAPACK failed: fall back to the identity on the first axes (never seen; kept so a build still ends).
            var weight = [Float](repeating: 0, count: dimension * f)
            for i in 0..<dimension { weight[i * f + i] = 1 }
            return EmbeddingHead(
                name: "identity-\(dimension) (untrained)", inputCount: f, outputCount: dimension, weight: weight,
                bias: [Float](repeating: 0, count: dimension))
        }
        // Eigenvalues ascend: the main axes are the last rows.
        var weight: [Float] = []
        for axis in stride(from: f - 1, through: f - dimension, by: -1) {
            weight += eigen.vectors[(axis * f)..<((axis + 1) * f)]
        }
        return EmbeddingHead(
            name: "pca-\(dimension) (untrained)", inputCount: f, outputCount: dimension, weight: weight,
            bias: [Float](repeating: 0, count: dimension))
    }

    /// The indices of the `count` most typical rows: highest mean similarity to the others.
    static func typical(_ rows: [[Float]], count: Int) -> [Int] {
        let means = rows.indices.map { i in
            rows.indices.reduce(Float(0)) { $0 + dot(rows[i], rows[$1]) } / Float(rows.count)
        }
        return Array(rows.indices.sorted { means[$0] > means[$1] }.prefix(count)).sorted()
    }

    static func mean(_ rows: [[Float]]) -> [Float] {
        var sum = [Float](repeating: 0, count: rows[0].count)
        for row in rows { for i in sum.indices { sum[i] += row[i] } }
        EmbeddingHead.normaliseRows(&sum, width: sum.count)
        return sum
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }
}

/// Each photo's best landmark over the whole pack, its score and the mean similarity to that landmark's
/// references: the quantities the thresholds η and ω cut.
struct Scored {
    var best: [Int] = []
    var score: [Float] = []
    var reference: [Float] = []
    /// The similarity to the nearest everyday exemplar (−∞ without exemplars), and the best score less it.
    var exemplar: [Float] = []
    var margin: [Float] = []

    init(search: LandmarkSearch, embeddings: [Float], count: Int) {
        let d = search.pack.dimension
        let c = search.pack.centroidCount
        guard count > 0 else { return }
        var scores = [Float](repeating: 0, count: count * c)
        embeddings.withUnsafeBufferPointer { q in
            search.pack.centroids.withUnsafeBufferPointer { centroids in
                scores.withUnsafeMutableBufferPointer { s in
                    BLAS.multiplyTransposed(q, centroids, into: s, m: count, n: c, k: d)
                }
            }
        }
        for photo in 0..<count {
            var top = (landmark: 0, score: -Float.infinity)
            for column in 0..<c where scores[photo * c + column] > top.score {
                top = (search.pack.centroidLandmark[column], scores[photo * c + column])
            }
            best.append(top.landmark)
            score.append(top.score)
            reference.append(search.meanReferenceSimilarity(embeddings, photo: photo, landmark: top.landmark))
        }
        exemplar = search.nearestExemplar(embeddings, count: count)
        margin = (0..<count).map { score[$0] - exemplar[$0] }
    }
}

/// How many negatives may pass a threshold: (1 − specificity) of all of them and, with `perKind`, of each kind that
/// has enough photos to measure that share (at least 1 / (1 − specificity): 100 at 99%); a smaller kind counts
/// toward the total only, since holding it alone would mean letting none of it through.
struct Budgets {
    let kinds: [String]
    let total: Int
    let perKind: [String: Int]

    init(kinds: [String], specificity: Double, perKind: Bool) {
        self.kinds = kinds
        total = Int((1 - specificity) * Double(kinds.count) + 1e-9)
        var counts: [String: Int] = [:]
        for kind in kinds { counts[kind, default: 0] += 1 }
        self.perKind =
            perKind
            ? counts.filter { Int((1 - specificity) * Double($0.value) + 1e-9) >= 1 }
                .mapValues { Int((1 - specificity) * Double($0) + 1e-9) }
            : [:]
    }

    /// The lowest threshold that lets no more negatives through than the budgets allow, given the candidate
    /// negatives `order` sorted by `score`, highest first (−1 when all of them fit).
    func lowestThreshold(_ order: [Int], score: [Float]) -> Float {
        var through = 0
        var byKind: [String: Int] = [:]
        for negative in order {
            let kind = kinds[negative]
            let kindCount = byKind[kind, default: 0] + 1
            if through + 1 > total || perKind[kind].map({ kindCount > $0 }) == true { return score[negative].nextUp }
            through += 1
            byKind[kind] = kindCount
        }
        return -1
    }

    var summary: String {
        perKind.isEmpty
            ? "at most \(total) through"
            : "at most \(total) through, \(perKind.count) kinds each held to its own share"
    }
}

extension [LandmarkPhotos] {
    /// Sets aside `fraction` of each landmark's photos (landmarks with at least 5; never a checked reference),
    /// seeded, for calibration: the rest trains a head, the set-aside photos (paths) calibrate the pack's thresholds
    /// as photos the head never saw.
    public func calibrationSplit(fraction: Double, seed: UInt64) -> (training: [LandmarkPhotos], heldOut: Set<String>) {
        var random = SeededRandom(seed: seed &+ 3000)
        var training: [LandmarkPhotos] = []
        var heldOut: Set<String> = []
        for item in self {
            guard item.features.count >= 5, item.paths.count == item.features.count else {
                training.append(item)
                continue
            }
            // Checked references stay in training: they are the landmark's own reference photos in the pack.
            let order = item.features.indices.filter { !item.checkedReferences.contains($0) }.shuffled(using: &random)
            let count = Swift.min(order.count, Swift.max(1, Int((Double(item.features.count) * fraction).rounded())))
            let set = Set(order.prefix(count))
            heldOut.formUnion(set.map { item.paths[$0] })
            var kept = item
            let keep = item.features.indices.filter { !set.contains($0) }
            kept.features = keep.map { item.features[$0] }
            kept.paths = keep.map { item.paths[$0] }
            kept.checkedReferences = item.checkedReferences.compactMap { keep.firstIndex(of: $0) }
            training.append(kept)
        }
        return (training, heldOut)
    }
}
