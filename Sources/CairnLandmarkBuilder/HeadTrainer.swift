import CairnInference
import Foundation
import Landmarks

/// Training parameters: the paper's, where it gives them (section 3.3), with the defaults that measured best on
/// the shared data where it does not (docs/LANDMARKS.md, "Metric learning").
public struct TrainingParameters: Sendable {
    public var dimension = 512
    public var epochs = 30
    public var batchSize = 64
    /// λ of the center loss; 0 trains with softmax alone. (The paper's 5e-5 is for its unnormalised embedding;
    /// with the cosine classifier the centers live on the unit sphere, where 0.1 measured best.)
    public var lambda: Float = 0.1
    /// How far each center moves toward its class's batch mean per step (center loss's α).
    public var centerRate: Float = 0.5
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-3
    /// Learning rates of the embedding (α2) and classifier (α3): first stage, later stages.
    public var embeddingRate: Float = 0.01
    public var classifierRate: Float = 0.01
    /// The paper lowers the embedding's rate to 1e-4 after the first stage, where its embedding has already seen
    /// millions of photos; here the first stage is one region's few landmarks, and 1e-4 left the embedding
    /// untrained on the others (sensitivity −9 points), so later stages keep 0.01.
    public var laterEmbeddingRate: Float = 0.01
    public var laterClassifierRate: Float = 0.01
    /// Non-landmark : landmark samples per epoch.
    public var nonLandmarkRatio = 0.4
    /// Curriculum learning (Algorithm 1): train on the first region, then add the others in turn.
    public var curriculum = true
    /// The curriculum's order of regions; regions not listed come after, alphabetically.
    public var regionOrder = ["Europe", "Americas-Oceania", "MiddleEast-NorthAfrica", "FarEast"]
    public var seed: UInt64 = 1
    /// nil: the paper's classifier on the raw embedding; s: a cosine classifier with scale s (HeadModel.cosineScale).
    public var cosineScale: Float? = 16
    /// Augmented views per training photo, besides the photo itself.
    public var augmentedViews = Self.defaultAugmentedViews
    public static let defaultAugmentedViews = 4
    /// Augmented views per everyday (non-landmark) photo, besides the photo itself.
    public var negativeAugmentedViews = Self.defaultNegativeAugmentedViews
    public static let defaultNegativeAugmentedViews = 0

    public init() {}

    /// What changes the trained weights, for the head's name and the pack's provenance.
    public var summary: String {
        "\(dimension)-d, \(epochs) epochs, λ \(lambda), center rate \(centerRate), \(curriculum ? "curriculum" : "no curriculum"), \(cosineScale.map { "cosine ×\($0)" } ?? "linear classifier"), \(augmentedViews) augmented views, non-landmark ratio \(nonLandmarkRatio), \(negativeAugmentedViews) views per negative, seed \(seed)"
    }
}

/// Trains the landmark embedding head on frozen backbone features, with SGD (momentum, weight decay, step decay
/// ×0.1 at 40% and 80% of the epochs) and, by default, curriculum learning over the landmarks' regions.
public struct HeadTrainer: Sendable {
    public struct Progress: Sendable {
        public var stage: Int
        public var stages: Int
        public var epoch: Int
        public var epochs: Int
        public var loss: Double
        public var accuracy: Double
    }

    public var parameters: TrainingParameters
    public var log: @Sendable (String) -> Void

    public init(parameters: TrainingParameters, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.parameters = parameters
        self.log = log
    }

    /// `landmarks[i]` holds landmark i's training views (features, 1,280 each, any number per photo: augmented
    /// views count as samples); `regions[i]` its region; `negatives` the non-landmark views.
    public func train(
        landmarks: [[[Float]]], regions: [String], negatives: [[Float]],
        progress: @Sendable (Progress) -> Void = { _ in }
    ) -> HeadModel {
        let p = parameters
        var random = SeededRandom(seed: p.seed)
        let n = landmarks.count
        let inputs = landmarks.first(where: { !$0.isEmpty })?.first?.count ?? negatives.first?.count ?? 1280
        var model = HeadModel(inputs: inputs, dimension: p.dimension, classes: n + 1, random: &random)
        model.cosineScale = p.cosineScale
        let normalised = landmarks.map { $0.map(Self.unit) }
        let normalisedNegatives = negatives.map(Self.unit)

        // Stages: region sets of growing size (one stage with everything without curriculum).
        let present = Set(regions)
        let order = p.regionOrder.filter(present.contains) + present.subtracting(p.regionOrder).sorted()
        let stages: [Set<String>] = p.curriculum ? (1...order.count).map { Set(order.prefix($0)) } : [present]
        var velocity = Velocity(model)
        for (stageIndex, stage) in stages.enumerated() {
            if stageIndex > 0 {
                model.resetTop(random: &random)
                velocity = Velocity(model)
            }
            let embeddingRate = stageIndex == 0 ? p.embeddingRate : p.laterEmbeddingRate
            let classifierRate = stageIndex == 0 ? p.classifierRate : p.laterClassifierRate
            var samples: [(landmark: Int, view: Int)] = []
            for (index, views) in normalised.enumerated() where stage.contains(regions[index]) {
                samples += views.indices.map { (index, $0) }
            }
            guard !samples.isEmpty else { continue }
            let negativeCount =
                normalisedNegatives.isEmpty ? 0 : Int((Double(samples.count) * p.nonLandmarkRatio).rounded())
            log(
                "training stage \(stageIndex + 1)/\(stages.count): \(stage.count) region\(stage.count == 1 ? "" : "s") (\(order.filter(stage.contains).joined(separator: ", "))), \(Set(samples.map(\.landmark)).count) landmarks, \(samples.count) landmark and \(negativeCount) non-landmark samples per epoch"
            )
            for epoch in 0..<p.epochs {
                let decay: Float =
                    epoch >= Int(0.8 * Double(p.epochs)) ? 0.01 : epoch >= Int(0.4 * Double(p.epochs)) ? 0.1 : 1
                var epochSamples = samples.map { (label: $0.landmark, features: normalised[$0.landmark][$0.view]) }
                for _ in 0..<negativeCount {
                    epochSamples.append(
                        (n, normalisedNegatives[Int.random(in: 0..<normalisedNegatives.count, using: &random)]))
                }
                epochSamples.shuffle(using: &random)
                var lossSum: Double = 0
                var correct = 0
                for start in stride(from: 0, to: epochSamples.count, by: p.batchSize) {
                    let batch = epochSamples[start..<min(start + p.batchSize, epochSamples.count)]
                    guard batch.count >= 2 else { continue }  // batch norm needs two samples
                    let labels = batch.map(\.label)
                    var gradients: HeadModel.Gradients? = HeadModel.Gradients()
                    let result = model.loss(
                        features: batch.flatMap(\.features), labels: labels, lambda: p.lambda, gradients: &gradients)
                    lossSum += result.loss * Double(batch.count)
                    correct += result.correct
                    velocity.step(
                        &model, gradients!, embeddingRate: embeddingRate * decay,
                        classifierRate: classifierRate * decay,
                        momentum: p.momentum, weightDecay: p.weightDecay)
                    Self.updateStatistics(
                        &model, mean: result.batchMean, variance: result.batchVariance, count: batch.count)
                    if p.lambda > 0 {
                        Self.updateCenters(&model, embeddings: result.embeddings, labels: labels, rate: p.centerRate)
                    }
                }
                progress(
                    Progress(
                        stage: stageIndex + 1, stages: stages.count, epoch: epoch + 1, epochs: p.epochs,
                        loss: lossSum / Double(epochSamples.count),
                        accuracy: Double(correct) / Double(epochSamples.count)))
            }
        }
        return model
    }

    /// Running batch-norm statistics for inference (momentum 0.1, unbiased variance).
    static func updateStatistics(_ model: inout HeadModel, mean: [Float], variance: [Float], count: Int) {
        let unbias = Float(count) / Float(max(1, count - 1))
        for j in 0..<model.dimension {
            model.runningMean[j] = 0.9 * model.runningMean[j] + 0.1 * mean[j]
            model.runningVariance[j] = 0.9 * model.runningVariance[j] + 0.1 * variance[j] * unbias
        }
    }

    /// Center loss's update: each landmark center moves toward its samples in the batch,
    /// c_j ← c_j − α · Σ(c_j − x_i) / (1 + n_j).
    static func updateCenters(_ model: inout HeadModel, embeddings: [Float], labels: [Int], rate: Float) {
        let d = model.dimension
        var sums: [Int: [Float]] = [:]
        var counts: [Int: Int] = [:]
        for (i, label) in labels.enumerated() where label < model.classes - 1 {
            var sum = sums[label] ?? [Float](repeating: 0, count: d)
            for j in 0..<d { sum[j] += model.centers[label * d + j] - embeddings[i * d + j] }
            sums[label] = sum
            counts[label, default: 0] += 1
        }
        for (label, sum) in sums {
            let scale = rate / Float(1 + counts[label]!)
            for j in 0..<d { model.centers[label * d + j] -= scale * sum[j] }
        }
    }

    static func unit(_ v: [Float]) -> [Float] {
        var copy = v
        EmbeddingHead.normaliseRows(&copy, width: copy.count)
        return copy
    }
}

/// SGD with momentum and weight decay (on the weight matrices, not on biases or batch norm).
struct Velocity {
    var weight: [Float]
    var bias: [Float]
    var gamma: [Float]
    var beta: [Float]
    var classifier: [Float]

    init(_ model: HeadModel) {
        weight = [Float](repeating: 0, count: model.weight.count)
        bias = [Float](repeating: 0, count: model.bias.count)
        gamma = [Float](repeating: 0, count: model.gamma.count)
        beta = [Float](repeating: 0, count: model.beta.count)
        classifier = [Float](repeating: 0, count: model.classifier.count)
    }

    mutating func step(
        _ model: inout HeadModel, _ g: HeadModel.Gradients, embeddingRate: Float, classifierRate: Float,
        momentum: Float,
        weightDecay: Float
    ) {
        Self.update(&model.weight, &weight, g.weight, rate: embeddingRate, momentum: momentum, decay: weightDecay)
        Self.update(&model.bias, &bias, g.bias, rate: embeddingRate, momentum: momentum, decay: 0)
        Self.update(&model.gamma, &gamma, g.gamma, rate: embeddingRate, momentum: momentum, decay: 0)
        Self.update(&model.beta, &beta, g.beta, rate: embeddingRate, momentum: momentum, decay: 0)
        Self.update(
            &model.classifier, &classifier, g.classifier, rate: classifierRate, momentum: momentum, decay: weightDecay)
    }

    static func update(
        _ parameter: inout [Float], _ velocity: inout [Float], _ gradient: [Float], rate: Float, momentum: Float,
        decay: Float
    ) {
        for i in parameter.indices {
            velocity[i] = momentum * velocity[i] + gradient[i] + decay * parameter[i]
            parameter[i] -= rate * velocity[i]
        }
    }
}
