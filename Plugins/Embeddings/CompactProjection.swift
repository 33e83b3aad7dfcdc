import CairnInference

/// The linear map from the backbone's pooled features (1,280 values) to a photo's compact embedding (128 values):
/// rows of a random orthonormal matrix made from a seed, so the same seed gives the same matrix on every machine
/// and no file has to ship with it (a random orthonormal projection keeps dot products close to what they were,
/// Johnson–Lindenstrauss; docs/DISCOVERY.md measures what it keeps against the full features and a PCA).
///
/// The features are scaled to unit length first, the result scaled to unit length again, so two embeddings compare
/// by their dot product (their cosine).
public struct CompactProjection: Sendable {
    public static let defaultSeed: UInt64 = 22
    public static let defaultDimension = 128

    public let inputCount: Int
    public let outputCount: Int
    /// `outputCount` rows of `inputCount`, orthonormal.
    public let weight: [Float]
    /// The weights' FNV-1a fingerprint: what makes results of another matrix stale.
    public let fingerprint: String

    /// Rows of ±1 drawn from `seed` (integers only, so every machine draws the same), made orthonormal by
    /// Gram–Schmidt in double precision (IEEE arithmetic in a fixed order: the same floats everywhere).
    public init(
        seed: UInt64 = defaultSeed, inputCount: Int = EfficientNetLite0.featureCount,
        outputCount: Int = defaultDimension
    ) {
        precondition(outputCount <= inputCount && outputCount > 0)
        var random = SeededRandom(seed: seed)
        var rows: [[Double]] = []
        for _ in 0..<outputCount {
            var row = (0..<inputCount).map { _ in random.next() & 1 == 0 ? -1.0 : 1.0 }
            for done in rows {
                var dot = 0.0
                for i in 0..<inputCount { dot += row[i] * done[i] }
                for i in 0..<inputCount { row[i] -= dot * done[i] }
            }
            var norm = 0.0
            for value in row { norm += value * value }
            norm = norm.squareRoot()
            rows.append(row.map { $0 / norm })
        }
        self.init(weight: rows.flatMap { $0.map(Float.init) }, inputCount: inputCount, outputCount: outputCount)
    }

    /// Any `outputCount`×`inputCount` matrix, row-major (what the benchmark compares with).
    public init(weight: [Float], inputCount: Int, outputCount: Int) {
        precondition(weight.count == inputCount * outputCount)
        self.weight = weight
        self.inputCount = inputCount
        self.outputCount = outputCount
        fingerprint = weight.withUnsafeBytes { Fingerprint.hex($0) }
    }

    /// The compact embedding of one photo's features: unit length, `outputCount` values.
    public func embed(_ features: [Float]) -> [Float] {
        precondition(features.count == inputCount)
        var input = features
        Self.normalise(&input)
        var output = [Float](repeating: 0, count: outputCount)
        weight.withUnsafeBufferPointer { w in
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    BLAS.dotRows(w, rows: outputCount, dim: inputCount, query: x, into: y)
                }
            }
        }
        Self.normalise(&output)
        return output
    }

    /// Scales `values` to unit length (all zero: left as they are).
    public static func normalise(_ values: inout [Float]) {
        var sum: Float = 0
        for value in values { sum += value * value }
        guard sum > 0 else { return }
        let scale = 1 / sum.squareRoot()
        for i in values.indices { values[i] *= scale }
    }
}
