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
    /// Train heads on the training split and compare (the paper's Table 4): untrained, softmax only, softmax +
    /// center loss, + curriculum, and one centroid vs several with the full method.
    public var ablation = false
    /// Train one head with `training` on the training split and evaluate it (several centroids and one).
    public var train = false
    public var training = TrainingParameters()
    public var log: @Sendable (String) -> Void

    public init(parameters: BuildParameters, geo: Bool, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.parameters = parameters
        self.geo = geo
        self.log = log
    }

    /// One way of building a pack to compare.
    struct Variant {
        var name: String
        /// nil: the supplied head, or the untrained projection.
        var training: TrainingParameters?
        var singleCentroid: Bool
        var ks: [Int]
    }

    public func run(
        _ landmarks: [LandmarkPhotos], negatives: [[Float]], backbone: String, head: EmbeddingHead? = nil,
        augmented: [[[[Float]]]]? = nil
    ) throws(LandmarkBuildError) -> Report {
        var random = SeededRandom(seed: parameters.seed &+ 1000)
        var training: [LandmarkPhotos] = []
        // What the heads train on: the training photos and their augmented views (never a test photo's).
        var trainingViews: [[[Float]]] = []
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
            trainingViews.append(kept.features + trainIndices.flatMap { augmented?[index][$0] ?? [] })
        }
        // Negatives: without training, half calibrate and half test; with training, a third more trains the
        // heads, so the negatives that set the thresholds are never trained on.
        let negativeOrder = Array(negatives.indices).shuffled(using: &random)
        let parts = ablation || train ? 3 : 2
        let share = negatives.count / parts
        let calibrationNegatives = negativeOrder.prefix(share).map { negatives[$0] }
        let testNegatives = negativeOrder.dropFirst(share).prefix(share).map { negatives[$0] }
        let trainingNegatives = ablation || train ? negativeOrder.dropFirst(2 * share).map { negatives[$0] } : []
        guard !test.isEmpty, !testNegatives.isEmpty else {
            throw LandmarkBuildError("too few photos to evaluate: need held-out landmark photos and negatives")
        }
        let rare = Set(landmarks.indices.filter { landmarks[$0].features.count < rareBelow })
        log("evaluation split: \(training.reduce(0) { $0 + $1.features.count }) training and \(test.count) test photos; \(calibrationNegatives.count) calibration, \(testNegatives.count) test\(ablation || train ? " and \(trainingNegatives.count) training" : "") negatives")

        var variants: [Variant] = []
        if ablation {
            var softmax = self.training
            softmax.lambda = 0
            softmax.curriculum = false
            var center = self.training
            center.curriculum = false
            var full = self.training
            full.curriculum = true
            variants = [
                Variant(name: "untrained projection", training: nil, singleCentroid: false, ks: [1]),
                Variant(name: "softmax only", training: softmax, singleCentroid: false, ks: [1]),
                Variant(name: "softmax + center loss", training: center, singleCentroid: false, ks: [1]),
                Variant(name: "+ curriculum (full)", training: full, singleCentroid: false, ks: [1, 3, 5]),
                Variant(name: "full, 1 centroid", training: full, singleCentroid: true, ks: [1]),
            ]
        } else if train {
            variants = [
                Variant(name: "trained, several centroids", training: self.training, singleCentroid: false, ks: [1, 3, 5]),
                Variant(name: "trained, 1 centroid", training: self.training, singleCentroid: true, ks: [1]),
            ]
        } else {
            variants = [
                Variant(name: "several centroids", training: nil, singleCentroid: false, ks: [1, 3, 5]),
                Variant(name: "1 centroid", training: nil, singleCentroid: true, ks: [1]),
            ]
        }
        var rows: [Row] = []
        var mainThresholds: LandmarkPack.Thresholds?
        var trainedHeads: [String: EmbeddingHead] = [:]
        for variant in variants {
            var variantHead = head
            if let settings = variant.training {
                let key = settings.summary
                if let cached = trainedHeads[key] {
                    variantHead = cached
                } else {
                    let started = Date()
                    let model = HeadTrainer(parameters: settings, log: log).train(
                        landmarks: trainingViews, regions: training.map(\.landmark.region),
                        negatives: trainingNegatives)
                    let trained = model.embeddingHead(name: "trained (\(settings.summary))")
                    log(String(format: "trained %@ in %.1f s", variant.name, Date().timeIntervalSince(started)))
                    trainedHeads[key] = trained
                    variantHead = trained
                }
            }
            var buildParameters = parameters
            buildParameters.singleCentroid = variant.singleCentroid
            let quiet: @Sendable (String) -> Void = { _ in }
            let builder = PackBuilder(parameters: buildParameters, log: rows.isEmpty ? log : quiet)
            let (pack, _) = try builder.build(training, negatives: calibrationNegatives, backbone: backbone, head: variantHead)
            if mainThresholds == nil || variant.training != nil && !variant.singleCentroid { mainThresholds = pack.thresholds }
            rows += measure(
                pack, builder: builder, variant: variant, test: test, testNegatives: testNegatives, landmarks: landmarks,
                rare: rare, random: &random)
        }
        return Report(
            landmarks: landmarks.count, trainingPhotos: training.reduce(0) { $0 + $1.features.count }, testPhotos: test.count,
            calibrationNegatives: calibrationNegatives.count, testNegatives: testNegatives.count, rareBelow: rareBelow,
            rareLandmarks: rare.count, thresholds: mainThresholds!, rows: rows)
    }

    /// The rows of one variant: without GPS for each k, and with `geo` also with synthetic GPS.
    private func measure(
        _ pack: LandmarkPack, builder: PackBuilder, variant: Variant, test: [(landmark: Int, features: [Float])],
        testNegatives: [[Float]], landmarks: [LandmarkPhotos], rare: Set<Int>, random: inout SeededRandom
    ) -> [Row] {
        let search = LandmarkSearch(pack: pack)
        let positives = pack.head.embed(test.flatMap { $0.features }, count: test.count)
        let negativesEmbedded = pack.head.embed(testNegatives.flatMap { $0 }, count: testNegatives.count)
        // Pack landmarks keep the dataset's order unless a landmark had no usable photo: map by key.
        var packIndex: [String: Int] = [:]
        for (index, landmark) in pack.landmarks.enumerated() { packIndex[landmark.key] = index }
        let truth = test.map { packIndex[landmarks[$0.landmark].landmark.key] ?? -1 }
        let scored = Scored(search: search, embeddings: positives, count: test.count)
        let top1 = Double(test.indices.filter { scored.best[$0] == truth[$0] }.count) / Double(test.count)
        var rows: [Row] = []
        for gps in geo ? [false, true] : [false] {
            var positions = [(latitude: Double, longitude: Double)?](repeating: nil, count: test.count)
            var negativePositions = [(latitude: Double, longitude: Double)?](repeating: nil, count: testNegatives.count)
            if gps {
                positions = test.map { builder.jitter(landmarks[$0.landmark].landmark, using: &random) }
                negativePositions = testNegatives.map { _ in
                    builder.jitter(pack.landmarks[Int.random(in: 0..<pack.landmarks.count, using: &random)], using: &random)
                }
            }
            for k in variant.ks {
                let options = LandmarkSearch.Options(k: k, geoSquareKm: parameters.geoSquareKm)
                let found = search.search(embeddings: positives, count: test.count, locations: positions, options: options)
                let falseFound = search.search(
                    embeddings: negativesEmbedded, count: testNegatives.count, locations: negativePositions, options: options)
                let right = test.indices.map { found[$0].first?.landmark == truth[$0] }
                func rate(_ subset: [Int]) -> Double? {
                    subset.isEmpty ? nil : Double(subset.filter { right[$0] }.count) / Double(subset.count)
                }
                rows.append(Row(
                    name: "\(variant.name), k = \(k)\(gps ? ", GPS" : "")", gps: gps, k: k, centroids: pack.centroidCount,
                    top1Accuracy: top1, sensitivity: rate(Array(test.indices)) ?? 0,
                    specificity: Double(falseFound.filter { $0.isEmpty }.count) / Double(testNegatives.count),
                    rareSensitivity: rate(test.indices.filter { rare.contains(test[$0].landmark) }),
                    frequentSensitivity: rate(test.indices.filter { !rare.contains(test[$0].landmark) })))
            }
        }
        return rows
    }
}
