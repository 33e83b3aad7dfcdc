import CairnInference
import Foundation
import Landmarks

/// The paper's offline test on a dataset, with disjoint parts: hold out photos of every landmark, split the
/// everyday photos (stratified by kind) into a part that trains the heads and gives the pack its exemplars, a part
/// that calibrates the thresholds and a part that tests; build a pack from the rest, then measure on the held-out
/// photos and the test part.
///
/// - Sensitivity: held-out landmark photos whose top-1 landmark is the right one (and accepted).
/// - Specificity: test everyday photos given no landmark, overall and per kind.
/// Rows compare variants (several centroids and one, k = 1, 3, 5, with and without the margin); with `geo`, the
/// same with synthetic GPS a few hundred metres from the landmark (negatives: near a random landmark).
public struct Evaluation: Sendable {
    public struct Row: Sendable, Codable {
        public var name: String
        public var gps: Bool
        public var k: Int
        public var centroids: Int
        public var top1Accuracy: Double
        public var sensitivity: Double
        public var specificity: Double
        /// Specificity on each kind of test negative.
        public var kindSpecificity: [String: Double]
        /// Sensitivity over landmarks with fewer than `rareBelow` photos, and over the others (nil: none there).
        public var rareSensitivity: Double?
        public var frequentSensitivity: Double?
    }

    public struct Report: Sendable, Codable {
        public var seed: UInt64
        public var landmarks: Int
        public var trainingPhotos: Int
        public var testPhotos: Int
        public var trainingNegatives: Int
        public var calibrationNegatives: Int
        public var testNegatives: Int
        /// Test negatives per kind.
        public var testKinds: [String: Int]
        public var rareBelow: Int
        public var rareLandmarks: Int
        public var thresholds: LandmarkPack.Thresholds
        public var rows: [Row]
        /// The test photos the main variant got wrong: a negative given a landmark, with its score.
        public var falsePositives: [Mistake]
        /// Held-out landmark photos the main method missed without GPS: given another landmark (`landmark`) or
        /// none (`landmark` empty), with the best score.
        public var missed: [Mistake]
    }

    public struct Mistake: Sendable, Codable {
        public var path: String
        public var kind: String
        public var landmark: String
        public var score: Double
    }

    public var parameters: BuildParameters
    public var testFraction = 0.3
    public var rareBelow = 100
    public var geo = false
    /// Shares of the everyday photos that train the heads (and become the pack's exemplars), calibrate, and test.
    public var negativeShares = [1.0, 1.0, 1.0]
    /// Only these kinds of the training part train the heads (nil: all), to measure what the hard kinds bring.
    public var trainingKinds: Set<String>?
    /// Let the heads train on the landmark photos that calibrate the thresholds too (as before packs recorded
    /// which photos their head never saw), for comparison.
    public var calibrateOnSeen = false
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
        var margin = true
        var ks: [Int]
    }

    public func run(
        _ landmarks: [LandmarkPhotos], negatives: NegativePhotos, backbone: String, head: EmbeddingHead? = nil,
        augmented: [[[[Float]]]]? = nil
    ) throws(LandmarkBuildError) -> Report {
        var random = SeededRandom(seed: parameters.seed &+ 1000)
        var training: [LandmarkPhotos] = []
        var viewsByPath: [String: [[Float]]] = [:]
        var test: [(landmark: Int, features: [Float], path: String)] = []
        for (index, item) in landmarks.enumerated() {
            let order = Array(item.features.indices).shuffled(using: &random)
            let count = item.features.count >= 2 ? max(1, Int((Double(order.count) * testFraction).rounded())) : 0
            test += order.prefix(count).map {
                (index, item.features[$0], item.paths.indices.contains($0) ? item.paths[$0] : "")
            }
            var kept = item
            let trainIndices = Array(order.dropFirst(count)).sorted()
            kept.features = trainIndices.map { item.features[$0] }
            kept.paths = trainIndices.map { item.paths[$0] }
            kept.checkedReferences = item.checkedReferences.compactMap { trainIndices.firstIndex(of: $0) }
            training.append(kept)
            for position in trainIndices where item.paths.indices.contains(position) {
                viewsByPath[item.paths[position]] = augmented?[index][position] ?? []
            }
        }
        // What the heads train on: the training photos less those set aside to calibrate, and their augmented
        // views (never a test photo's, nor a calibration photo's).
        let (headTraining, heldOut) =
            calibrateOnSeen
            ? (training, Set<String>())
            : training.calibrationSplit(fraction: parameters.calibrationFraction, seed: parameters.seed)
        let trainingViews = headTraining.map { item in item.features + item.paths.flatMap { viewsByPath[$0] ?? [] } }
        // Everyday photos: three disjoint parts, each with every kind in the same proportion. The part that trains
        // the heads is also the pack's exemplars; the part that sets the thresholds is never trained on.
        let parts = negatives.split(shares: negativeShares, seed: parameters.seed &+ 2000)
        var trainingNegatives = parts[0]
        let calibrationNegatives = parts[1]
        let testNegatives = parts[2]
        if let trainingKinds {
            trainingNegatives = trainingNegatives.subset(
                trainingNegatives.kinds.indices.filter { trainingKinds.contains(trainingNegatives.kinds[$0]) })
        }
        guard !test.isEmpty, testNegatives.count > 0 else {
            throw LandmarkBuildError("too few photos to evaluate: need held-out landmark photos and negatives")
        }
        let rare = Set(landmarks.indices.filter { landmarks[$0].features.count < rareBelow })
        log(
            "evaluation split (seed \(parameters.seed)): \(training.reduce(0) { $0 + $1.features.count }) training and \(test.count) test photos; \(trainingNegatives.count) training, \(calibrationNegatives.count) calibration and \(testNegatives.count) test negatives, stratified by kind"
        )

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
                Variant(name: "full, no margin", training: full, singleCentroid: false, margin: false, ks: [1]),
            ]
        } else if train {
            variants = [
                Variant(
                    name: "trained, several centroids", training: self.training, singleCentroid: false, ks: [1, 3, 5]),
                Variant(
                    name: "trained, no margin", training: self.training, singleCentroid: false, margin: false, ks: [1]),
                Variant(name: "trained, 1 centroid", training: self.training, singleCentroid: true, ks: [1]),
            ]
        } else {
            variants = [
                Variant(name: "several centroids", training: nil, singleCentroid: false, ks: [1, 3, 5]),
                Variant(name: "no margin", training: nil, singleCentroid: false, margin: false, ks: [1]),
                Variant(name: "1 centroid", training: nil, singleCentroid: true, ks: [1]),
            ]
        }
        // The method a build uses by default: its thresholds and mistakes are the report's.
        let mainVariant = ablation ? "+ curriculum (full)" : variants[0].name
        var rows: [Row] = []
        var main: (thresholds: LandmarkPack.Thresholds, mistakes: (false: [Mistake], missed: [Mistake]))?
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
                        landmarks: trainingViews, regions: headTraining.map(\.landmark.region),
                        negatives: trainingNegatives.trainingViews)
                    let trained = model.embeddingHead(name: "trained (\(settings.summary))")
                    log(String(format: "trained %@ in %.1f s", variant.name, Date().timeIntervalSince(started)))
                    trainedHeads[key] = trained
                    variantHead = trained
                }
            }
            var buildParameters = parameters
            buildParameters.singleCentroid = variant.singleCentroid
            buildParameters.margin = variant.margin
            let quiet: @Sendable (String) -> Void = { _ in }
            let builder = PackBuilder(parameters: buildParameters, log: rows.isEmpty ? log : quiet)
            let (pack, _) = try builder.build(
                training, negatives: calibrationNegatives, backbone: backbone, head: variantHead,
                exemplars: trainingNegatives.features, heldOut: variant.training == nil ? [] : heldOut)
            let (variantRows, mistakes) = measure(
                pack, builder: builder, variant: variant, test: test, testNegatives: testNegatives,
                landmarks: landmarks, rare: rare, random: &random)
            rows += variantRows
            if variant.name == mainVariant { main = (pack.thresholds, mistakes) }
        }
        var testKinds: [String: Int] = [:]
        for (kind, count) in testNegatives.kindCounts { testKinds[kind] = count }
        return Report(
            seed: parameters.seed, landmarks: landmarks.count,
            trainingPhotos: training.reduce(0) { $0 + $1.features.count }, testPhotos: test.count,
            trainingNegatives: trainingNegatives.count, calibrationNegatives: calibrationNegatives.count,
            testNegatives: testNegatives.count, testKinds: testKinds, rareBelow: rareBelow, rareLandmarks: rare.count,
            thresholds: main!.thresholds, rows: rows, falsePositives: main!.mistakes.false,
            missed: main!.mistakes.missed)
    }

    /// The rows of one variant: without GPS for each k, and with `geo` also with synthetic GPS; and the test
    /// negatives it gave a landmark without GPS (k = 1).
    private func measure(
        _ pack: LandmarkPack, builder: PackBuilder, variant: Variant,
        test: [(landmark: Int, features: [Float], path: String)],
        testNegatives: NegativePhotos, landmarks: [LandmarkPhotos], rare: Set<Int>, random: inout SeededRandom
    ) -> ([Row], (false: [Mistake], missed: [Mistake])) {
        let search = LandmarkSearch(pack: pack)
        let positives = pack.head.embed(test.flatMap { $0.features }, count: test.count)
        let negativesEmbedded = pack.head.embed(testNegatives.features.flatMap { $0 }, count: testNegatives.count)
        // Pack landmarks keep the dataset's order unless a landmark had no usable photo: map by key.
        var packIndex: [String: Int] = [:]
        for (index, landmark) in pack.landmarks.enumerated() { packIndex[landmark.key] = index }
        let truth = test.map { packIndex[landmarks[$0.landmark].landmark.key] ?? -1 }
        let scored = Scored(search: search, embeddings: positives, count: test.count)
        let top1 = Double(test.indices.filter { scored.best[$0] == truth[$0] }.count) / Double(test.count)
        var rows: [Row] = []
        var mistakes: (false: [Mistake], missed: [Mistake]) = ([], [])
        for gps in geo ? [false, true] : [false] {
            var positions = [(latitude: Double, longitude: Double)?](repeating: nil, count: test.count)
            var negativePositions = [(latitude: Double, longitude: Double)?](repeating: nil, count: testNegatives.count)
            if gps {
                positions = test.map { builder.jitter(landmarks[$0.landmark].landmark, using: &random) }
                negativePositions = testNegatives.features.map { _ in
                    builder.jitter(
                        pack.landmarks[Int.random(in: 0..<pack.landmarks.count, using: &random)], using: &random)
                }
            }
            for k in variant.ks {
                let options = LandmarkSearch.Options(k: k, geoSquareKm: parameters.geoSquareKm)
                let found = search.search(
                    embeddings: positives, count: test.count, locations: positions, options: options)
                let falseFound = search.search(
                    embeddings: negativesEmbedded, count: testNegatives.count, locations: negativePositions,
                    options: options)
                let right = test.indices.map { found[$0].first?.landmark == truth[$0] }
                func rate(_ subset: [Int]) -> Double? {
                    subset.isEmpty ? nil : Double(subset.filter { right[$0] }.count) / Double(subset.count)
                }
                var kindSpecificity: [String: Double] = [:]
                for (kind, count) in testNegatives.kindCounts {
                    let clean = testNegatives.kinds.indices.filter {
                        testNegatives.kinds[$0] == kind && falseFound[$0].isEmpty
                    }
                    kindSpecificity[kind] = Double(clean.count) / Double(count)
                }
                if !gps && k == variant.ks[0] {
                    mistakes.missed = test.indices.filter { !right[$0] }.map { index in
                        Mistake(
                            path: test[index].path, kind: landmarks[test[index].landmark].landmark.key,
                            landmark: found[index].first.map { pack.landmarks[$0.landmark].key } ?? "",
                            score: Double(found[index].first?.score ?? scored.score[index]))
                    }
                    mistakes.false = falseFound.indices.compactMap { index in
                        falseFound[index].first.map { match in
                            Mistake(
                                path: testNegatives.paths[index], kind: testNegatives.kinds[index],
                                landmark: pack.landmarks[match.landmark].key, score: Double(match.score))
                        }
                    }
                }
                rows.append(
                    Row(
                        name: "\(variant.name), k = \(k)\(gps ? ", GPS" : "")", gps: gps, k: k,
                        centroids: pack.centroidCount,
                        top1Accuracy: top1, sensitivity: rate(Array(test.indices)) ?? 0,
                        specificity: Double(falseFound.filter { $0.isEmpty }.count) / Double(testNegatives.count),
                        kindSpecificity: kindSpecificity,
                        rareSensitivity: rate(test.indices.filter { rare.contains(test[$0].landmark) }),
                        frequentSensitivity: rate(test.indices.filter { !rare.contains(test[$0].landmark) })))
            }
        }
        return (rows, mistakes)
    }
}
