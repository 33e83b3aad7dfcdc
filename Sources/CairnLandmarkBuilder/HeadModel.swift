import CairnInference
import Foundation
import Landmarks

/// The trainable embedding head and its classifier, on frozen backbone features: fully connected
/// (`inputs` → `dimension`) + batch norm = the embedding x; then a linear classifier over the n landmarks plus one
/// non-landmark class. Loss (the paper's Eq. 1, averaged over the batch): softmax cross-entropy
/// + (λ/2)·‖x − c_y‖² over the landmark samples only — the non-landmark class has no center. Gradients are written
/// by hand over BLAS; `HeadModelTests` checks them against finite differences.
public struct HeadModel: Sendable {
    public let inputs: Int
    public let dimension: Int
    /// n + 1: the last class is "no landmark".
    public let classes: Int

    // Parameters.
    public var weight: [Float]  // dimension × inputs
    public var bias: [Float]  // dimension
    public var gamma: [Float]  // dimension
    public var beta: [Float]  // dimension
    public var classifier: [Float]  // classes × dimension
    /// Batch-norm statistics for inference, updated during training.
    public var runningMean: [Float]
    public var runningVariance: [Float]
    /// Center loss: one center per landmark class (classes − 1 of them).
    public var centers: [Float]
    /// nil: the classifier reads the embedding as it is (the paper). A number s: it reads the embedding scaled to
    /// unit length, logits × s (a cosine classifier), and the centers live on the unit sphere too — the space in
    /// which recognition compares photos and centroids.
    public var cosineScale: Float?

    static let epsilon: Float = 1e-5

    public init(inputs: Int, dimension: Int, classes: Int, random: inout SeededRandom) {
        self.inputs = inputs
        self.dimension = dimension
        self.classes = classes
        // He-style initialisation for the layers, zero centers (they move to the class means as training runs).
        let scale = (2 / Float(inputs)).squareRoot()
        weight = (0..<(dimension * inputs)).map { _ in Self.gaussian(&random) * scale }
        bias = [Float](repeating: 0, count: dimension)
        gamma = [Float](repeating: 1, count: dimension)
        beta = [Float](repeating: 0, count: dimension)
        classifier = []
        runningMean = [Float](repeating: 0, count: dimension)
        runningVariance = [Float](repeating: 1, count: dimension)
        centers = []
        cosineScale = nil
        resetTop(random: &random)
    }

    /// Re-initialises what curriculum learning re-initialises at each stage: batch norm, classifier and centers.
    public mutating func resetTop(random: inout SeededRandom) {
        gamma = [Float](repeating: 1, count: dimension)
        beta = [Float](repeating: 0, count: dimension)
        runningMean = [Float](repeating: 0, count: dimension)
        runningVariance = [Float](repeating: 1, count: dimension)
        let scale = (1 / Float(dimension)).squareRoot()
        classifier = (0..<(classes * dimension)).map { _ in Self.gaussian(&random) * scale }
        centers = [Float](repeating: 0, count: (classes - 1) * dimension)
    }

    static func gaussian(_ random: inout SeededRandom) -> Float {
        let u = Float.random(in: Float.ulpOfOne..<1, using: &random)
        let v = Float.random(in: 0..<1, using: &random)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// Gradients of the loss with respect to the parameters. Pass an empty one to `loss` to have them computed.
    public struct Gradients: Sendable {
        public var weight: [Float] = []
        public var bias: [Float] = []
        public var gamma: [Float] = []
        public var beta: [Float] = []
        public var classifier: [Float] = []
        public init() {}
    }

    /// One batch's forward pass and, with `gradients`, its backward pass. `features` is count × inputs, `labels`
    /// are class indices (classes − 1 = no landmark). Returns the loss, how many were classified right, and the
    /// embeddings the centers follow (unit length with `cosineScale`), for the center update.
    public func loss(
        features: [Float], labels: [Int], lambda: Float, gradients: inout Gradients?
    ) -> (loss: Double, correct: Int, embeddings: [Float], batchMean: [Float], batchVariance: [Float]) {
        let m = labels.count
        let d = dimension
        precondition(features.count == m * inputs, "features for \(m) samples")
        // z = X Wᵀ + b
        var z = [Float](repeating: 0, count: m * d)
        features.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                z.withUnsafeMutableBufferPointer { out in BLAS.multiplyTransposed(x, w, into: out, m: m, n: d, k: inputs) }
            }
        }
        for i in 0..<m { for j in 0..<d { z[i * d + j] += bias[j] } }
        // Batch norm with the batch's statistics.
        var mean = [Float](repeating: 0, count: d)
        var variance = [Float](repeating: 0, count: d)
        for i in 0..<m { for j in 0..<d { mean[j] += z[i * d + j] } }
        for j in 0..<d { mean[j] /= Float(m) }
        for i in 0..<m { for j in 0..<d { let c = z[i * d + j] - mean[j]; variance[j] += c * c } }
        for j in 0..<d { variance[j] /= Float(m) }
        let inverseStd = variance.map { 1 / ($0 + Self.epsilon).squareRoot() }
        var normalised = [Float](repeating: 0, count: m * d)
        var embedding = [Float](repeating: 0, count: m * d)
        for i in 0..<m {
            for j in 0..<d {
                let n = (z[i * d + j] - mean[j]) * inverseStd[j]
                normalised[i * d + j] = n
                embedding[i * d + j] = gamma[j] * n + beta[j]
            }
        }
        // What the classifier and the centers see: the embedding, or with `cosineScale` the embedding scaled to
        // unit length (the way recognition compares embeddings), the logits multiplied by the scale.
        var seen = embedding
        var norms = [Float](repeating: 1, count: m)
        if cosineScale != nil {
            for i in 0..<m {
                var sum: Float = 0
                for j in 0..<d { sum += embedding[i * d + j] * embedding[i * d + j] }
                norms[i] = max(sum.squareRoot(), 1e-12)
                for j in 0..<d { seen[i * d + j] = embedding[i * d + j] / norms[i] }
            }
        }
        let scale = cosineScale ?? 1
        // logits = scale · U Wcᵀ, softmax cross-entropy.
        let c = classes
        var logits = [Float](repeating: 0, count: m * c)
        seen.withUnsafeBufferPointer { e in
            classifier.withUnsafeBufferPointer { w in
                logits.withUnsafeMutableBufferPointer { out in BLAS.multiplyTransposed(e, w, into: out, m: m, n: c, k: d) }
            }
        }
        if scale != 1 { for i in logits.indices { logits[i] *= scale } }
        var total: Double = 0
        var correct = 0
        var dLogits = [Float](repeating: 0, count: m * c)
        for i in 0..<m {
            let row = logits[(i * c)..<((i + 1) * c)]
            let peak = row.max()!
            var sum: Double = 0
            for value in row { sum += exp(Double(value - peak)) }
            total += -(Double(logits[i * c + labels[i]] - peak) - log(sum))
            if row.firstIndex(of: peak)! - i * c == labels[i] { correct += 1 }
            for k in 0..<c {
                let p = Float(exp(Double(logits[i * c + k] - peak)) / sum)
                dLogits[i * c + k] = (p - (k == labels[i] ? 1 : 0)) / Float(m)
            }
        }
        // Center loss over landmark samples.
        var dSeen = [Float](repeating: 0, count: m * d)
        for i in 0..<m where labels[i] < c - 1 {
            var squared: Double = 0
            for j in 0..<d {
                let difference = seen[i * d + j] - centers[labels[i] * d + j]
                squared += Double(difference * difference)
                dSeen[i * d + j] = lambda * difference / Float(m)
            }
            total += Double(lambda) / 2 * squared
        }
        let loss = total / Double(m)
        guard gradients != nil else { return (loss, correct, seen, mean, variance) }

        // dWc = scale · dLogitsᵀ U; dU += scale · dLogits Wc.
        var dClassifier = [Float](repeating: 0, count: c * d)
        for i in 0..<m {
            for k in 0..<c where dLogits[i * c + k] != 0 {
                let g = dLogits[i * c + k] * scale
                for j in 0..<d {
                    dClassifier[k * d + j] += g * seen[i * d + j]
                    dSeen[i * d + j] += g * classifier[k * d + j]
                }
            }
        }
        // Through the normalisation: dE = (dU − U (U·dU)) / ‖E‖.
        var dEmbedding = dSeen
        if cosineScale != nil {
            for i in 0..<m {
                var projection: Float = 0
                for j in 0..<d { projection += seen[i * d + j] * dSeen[i * d + j] }
                for j in 0..<d { dEmbedding[i * d + j] = (dSeen[i * d + j] - seen[i * d + j] * projection) / norms[i] }
            }
        }
        // Batch norm backward.
        var dGamma = [Float](repeating: 0, count: d)
        var dBeta = [Float](repeating: 0, count: d)
        var sumDN = [Float](repeating: 0, count: d)
        var sumDNN = [Float](repeating: 0, count: d)
        for i in 0..<m {
            for j in 0..<d {
                let g = dEmbedding[i * d + j]
                dGamma[j] += g * normalised[i * d + j]
                dBeta[j] += g
                let dn = g * gamma[j]
                sumDN[j] += dn
                sumDNN[j] += dn * normalised[i * d + j]
            }
        }
        var dZ = [Float](repeating: 0, count: m * d)
        for i in 0..<m {
            for j in 0..<d {
                let dn = dEmbedding[i * d + j] * gamma[j]
                dZ[i * d + j] = inverseStd[j] / Float(m) * (Float(m) * dn - sumDN[j] - normalised[i * d + j] * sumDNN[j])
            }
        }
        // dW = dZᵀ X (d × inputs): transpose dZ and multiply.
        var dZt = [Float](repeating: 0, count: d * m)
        for i in 0..<m { for j in 0..<d { dZt[j * m + i] = dZ[i * d + j] } }
        var xt = [Float](repeating: 0, count: inputs * m)
        for i in 0..<m { for k in 0..<inputs { xt[k * m + i] = features[i * inputs + k] } }
        var dWeight = [Float](repeating: 0, count: d * inputs)
        dZt.withUnsafeBufferPointer { a in
            xt.withUnsafeBufferPointer { b in
                dWeight.withUnsafeMutableBufferPointer { out in BLAS.multiplyTransposed(a, b, into: out, m: d, n: inputs, k: m) }
            }
        }
        var dBias = [Float](repeating: 0, count: d)
        for i in 0..<m { for j in 0..<d { dBias[j] += dZ[i * d + j] } }
        var computed = Gradients()
        (computed.weight, computed.bias, computed.gamma, computed.beta, computed.classifier) = (dWeight, dBias, dGamma, dBeta, dClassifier)
        gradients = computed
        return (loss, correct, seen, mean, variance)
    }

    /// The embedding for inference as one affine map (batch norm folded in with its running statistics).
    public func embeddingHead(name: String) -> EmbeddingHead {
        var w = weight
        var b = [Float](repeating: 0, count: dimension)
        for j in 0..<dimension {
            let scale = gamma[j] / (runningVariance[j] + Self.epsilon).squareRoot()
            for k in 0..<inputs { w[j * inputs + k] *= scale }
            b[j] = scale * (bias[j] - runningMean[j]) + beta[j]
        }
        return EmbeddingHead(name: name, inputCount: inputs, outputCount: dimension, weight: w, bias: b)
    }
}
