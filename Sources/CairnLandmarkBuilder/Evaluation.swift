import Foundation
import Landmarks

/// The paper's offline test on a dataset: hold out photos of every landmark and half of the negatives, build a
/// pack from the rest, then measure on the held-out photos.
///
/// - Sensitivity: held-out landmark photos whose top-1 landmark is the right one (and accepted).
/// - Specificity: held-out non-landmark photos given no landmark.
/// Rows compare several centroids per landmark with one, and k = 1, 3, 5; with `geo`, the same with synthetic
/// GPS a few hundred metres from the landmark (negatives: near a random landmark).
public struct Evaluation: Sendable {
    public struct Row: Sendable, Codable {
        public var name: String
        public var gps: Bool
        public var k: Int
        public var centroids: Int
        public var top1Accuracy: Double
        public var sensitivity: Double
        public var specificity: Double
        /// Sensitivity over landmarks with fewer than `rareBelow` photos, and over the others (nil: none there).
        public var rareSensitivity: Double?
        public var frequentSensitivity: Double?
    }

    public struct Report: Sendable, Codable {
        public var landmarks: Int
        public var trainingPhotos: Int
        public var testPhotos: Int
        public var calibrationNegatives: Int
        public var testNegatives: Int
        public var rareBelow: Int
        public var rareLandmarks: Int
        public var thresholds: LandmarkPack.Thresholds
        public var rows: [Row]
    }

    public var parameters: BuildParameters
    public var testFraction = 0.3
    public var rareBelow = 100
    public var geo = false
    public var log: @Sendable (String) -> Void

    public init(parameters: BuildParameters, geo: Bool, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.parameters = parameters
        self.geo = geo
        self.log = log
    }

    public func run(
        _ landmarks: [LandmarkPhotos], negatives: [[Float]], backbone: String, head: EmbeddingHead? = nil
    ) throws(LandmarkBuildError) -> Report {
        var random = SeededRandom(seed: parameters.seed &+ 1000)
        var training: [LandmarkPhotos] = []
        var test: [(landmark: Int, features: [Float])] = []
        for (index, item) in landmarks.enumerated() {
            let order = Array(item.features.indices).shuffled(using: &random)
            let count = item.features.count >= 2 ? max(1, Int((Double(order.count) * testFraction).rounded())) : 0
            test += order.prefix(count).map { (index, item.features[$0]) }
            var kept = item
            let trainIndices = Array(order.dropFirst(count)).sorted()
            kept.features = trainIndices.map { item.features[$0] }
            kept.paths = trainIndices.map { item.paths[$0] }
            kept.checkedReferences = item.checkedReferences.compactMap { trainIndices.firstIndex(of: $0) }
            training.append(kept)
        }
        let negativeOrder = Array(negatives.indices).shuffled(using: &random)
        let calibrationNegatives = negativeOrder.prefix(negatives.count / 2).map { negatives[$0] }
        let testNegatives = negativeOrder.dropFirst(negatives.count / 2).map { negatives[$0] }
        guard !test.isEmpty, !testNegatives.isEmpty else {
            throw LandmarkBuildError("too few photos to evaluate: need held-out landmark photos and negatives")
        }
        let rare = Set(landmarks.indices.filter { landmarks[$0].features.count < rareBelow })
        log("evaluation split: \(training.reduce(0) { $0 + $1.features.count }) training and \(test.count) test photos; \(calibrationNegatives.count) calibration and \(testNegatives.count) test negatives")

        var rows: [Row] = []
        var mainThresholds: LandmarkPack.Thresholds?
        for single in [false, true] {
            var variant = parameters
            variant.singleCentroid = single
            let quiet: @Sendable (String) -> Void = { _ in }
            let builder = PackBuilder(parameters: variant, log: single ? quiet : log)
            let (pack, _) = try builder.build(training, negatives: calibrationNegatives, backbone: backbone, head: head)
            if !single { mainThresholds = pack.thresholds }
            let search = LandmarkSearch(pack: pack)
            let positives = pack.head.embed(test.flatMap { $0.features }, count: test.count)
            let negativesEmbedded = pack.head.embed(testNegatives.flatMap { $0 }, count: testNegatives.count)
            // Pack landmarks keep the dataset's order unless a landmark had no usable photo: map by key.
            var packIndex: [String: Int] = [:]
            for (index, landmark) in pack.landmarks.enumerated() { packIndex[landmark.key] = index }
            let truth = test.map { packIndex[landmarks[$0.landmark].landmark.key] ?? -1 }
            let centroidLabel = pack.centroidCount
            let ks = single ? [1] : [1, 3, 5]
            for gps in geo ? [false, true] : [false] {
                var positions = [(latitude: Double, longitude: Double)?](repeating: nil, count: test.count)
                var negativePositions = [(latitude: Double, longitude: Double)?](repeating: nil, count: testNegatives.count)
                if gps {
                    positions = test.map { builder.jitter(landmarks[$0.landmark].landmark, using: &random) }
                    negativePositions = testNegatives.map { _ in
                        builder.jitter(pack.landmarks[Int.random(in: 0..<pack.landmarks.count, using: &random)], using: &random)
                    }
                }
                for k in ks {
                    let options = LandmarkSearch.Options(k: k, geoSquareKm: parameters.geoSquareKm)
                    let found = search.search(embeddings: positives, count: test.count, locations: positions, options: options)
                    let falseFound = search.search(
                        embeddings: negativesEmbedded, count: testNegatives.count, locations: negativePositions, options: options)
                    let scored = Scored(search: search, embeddings: positives, count: test.count)
                    let right = test.indices.map { found[$0].first?.landmark == truth[$0] }
                    func rate(_ subset: [Int]) -> Double? {
                        subset.isEmpty ? nil : Double(subset.filter { right[$0] }.count) / Double(subset.count)
                    }
                    rows.append(Row(
                        name: "\(single ? "1 centroid" : "several centroids"), k = \(k)\(gps ? ", GPS" : "")",
                        gps: gps, k: k, centroids: centroidLabel,
                        top1Accuracy: Double(test.indices.filter { scored.best[$0] == truth[$0] }.count) / Double(test.count),
                        sensitivity: rate(Array(test.indices)) ?? 0,
                        specificity: Double(falseFound.filter { $0.isEmpty }.count) / Double(testNegatives.count),
                        rareSensitivity: rate(test.indices.filter { rare.contains(test[$0].landmark) }),
                        frequentSensitivity: rate(test.indices.filter { !rare.contains(test[$0].landmark) })))
                }
            }
        }
        return Report(
            landmarks: landmarks.count, trainingPhotos: training.reduce(0) { $0 + $1.features.count }, testPhotos: test.count,
            calibrationNegatives: calibrationNegatives.count, testNegatives: testNegatives.count, rareBelow: rareBelow,
            rareLandmarks: rare.count, thresholds: mainThresholds!, rows: rows)
    }
}
