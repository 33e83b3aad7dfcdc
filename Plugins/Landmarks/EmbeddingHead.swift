import CairnInference
import Foundation

/// The landmark embedding: backbone features → unit vector. The pooled features are L2-normalised, mapped by
/// an affine layer (`weight` · x + `bias`, `weight` is outputCount × inputCount) and L2-normalised again, so
/// similarity between two photos, or a photo and a centroid, is a dot product in −1…1.
///
/// A trained head (metric learning: fully connected + batch norm, folded into one affine map) and the untrained
/// default have the same form. The untrained default is PCA whitening of the normalised features, fitted on the
/// photos the pack is built from: centre on their mean, rotate onto their 512 main axes, scale each axis by
/// 1/√(variance + ε). It learns no labels; it only evens out the feature axes, so that a few dominant ImageNet
/// directions do not decide every similarity.
public struct EmbeddingHead: Sendable, Equatable {
    /// What the head is, for provenance ("pca-whitened-512 (untrained)", "trained …").
    public var name: String
    public var inputCount: Int
    public var outputCount: Int
    public var weight: [Float]
    public var bias: [Float]

    public init(name: String, inputCount: Int, outputCount: Int, weight: [Float], bias: [Float]) {
        precondition(weight.count == inputCount * outputCount && bias.count == outputCount, "head shapes")
        self.name = name
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.weight = weight
        self.bias = bias
    }

    /// A fingerprint of the weights, part of the pack's provenance and of the recognizer's version.
    public var fingerprint: String {
        (weight + bias).withUnsafeBytes { Fingerprint.hex($0) }
    }

    /// Embeds `count` feature vectors (count × inputCount, row-major) into count × outputCount unit vectors.
    public func embed(_ features: [Float], count: Int) -> [Float] {
        precondition(features.count == count * inputCount, "features: \(features.count) values for \(count) photos")
        guard count > 0 else { return [] }
        var input = features
        Self.normaliseRows(&input, width: inputCount)
        // Every row starts as the bias; sgemm adds X · Wᵀ.
        var output = [Float](repeating: 0, count: count * outputCount)
        input.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    BLAS.multiplyTransposed(x, w, into: y, m: count, n: outputCount, k: inputCount)
                }
            }
        }
        for row in 0..<count {
            for column in 0..<outputCount { output[row * outputCount + column] += bias[column] }
        }
        Self.normaliseRows(&output, width: outputCount)
        return output
    }

    /// Scales every row of a row-major matrix to unit length (a zero row stays zero).
    public static func normaliseRows(_ values: inout [Float], width: Int) {
        values.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: buffer.count, by: width) {
                var sum: Float = 0
                for i in start..<(start + width) { sum += buffer[i] * buffer[i] }
                guard sum > 0 else { continue }
                let scale = 1 / sum.squareRoot()
                for i in start..<(start + width) { buffer[i] *= scale }
            }
        }
    }
}
