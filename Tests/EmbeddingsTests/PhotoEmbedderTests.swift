import CairnInference
import CairnRecognition
import Testing

@testable import Embeddings

/// A backbone whose features are given: the embedder's arithmetic is tested here; the real backbone on real photos
/// is tested end to end (`cairn index` storing embeddings that keep one landmark's photos together).
struct GivenFeatures: BackboneProvider {
    var values: [Float]
    var backboneVersion: String { "given" }
    func features() throws -> [Float] { values }
    func logits() throws -> [Float] { [] }
}

@Suite struct PhotoEmbedderTests {
    let projection = CompactProjection()

    @Test func theMatrixIsTheSameEverywhereAndOrthonormal() {
        // Integer draws and double-precision Gram–Schmidt in a fixed order: the same floats on every machine. The
        // fingerprint is the one this code made when it shipped; another one would make every stored embedding stale.
        #expect(CompactProjection().weight == projection.weight)
        #expect(projection.fingerprint == "071955eca7c94ef3")
        #expect(CompactProjection(seed: 23).fingerprint != projection.fingerprint)
        let (n, f) = (projection.outputCount, projection.inputCount)
        #expect(n == 128 && f == 1280)
        var worst: Float = 0
        for i in 0..<n {
            for j in i..<n {
                var dot: Float = 0
                for k in 0..<f { dot += projection.weight[i * f + k] * projection.weight[j * f + k] }
                worst = max(worst, abs(dot - (i == j ? 1 : 0)))
            }
        }
        #expect(worst < 5e-5)  // float sums of 1,280 products
    }

    @Test func embeddingsAreUnitLengthAndKeepWhatIsNearWhatIsNot() throws {
        var random = SeededRandom(seed: 5)
        func features() -> [Float] { (0..<1280).map { _ in Float.random(in: 0...6, using: &random) } }
        let a = features()
        var near = a
        for i in stride(from: 0, to: 1280, by: 10) { near[i] = Float.random(in: 0...6, using: &random) }
        let far = (0..<1280).map { $0 < 640 ? Float.random(in: 0...6, using: &random) : 0 }
        let (ea, enear, efar) = (projection.embed(a), projection.embed(near), projection.embed(far))
        for e in [ea, enear, efar] { #expect(abs(e.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5) }
        func dot(_ x: [Float], _ y: [Float]) -> Float { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(dot(ea, enear) > 0.95)
        #expect(dot(ea, enear) > dot(ea, efar) + 0.05)
        // All zero (a black frame's pooled features can be): no division by zero, a zero vector.
        #expect(projection.embed([Float](repeating: 0, count: 1280)).allSatisfy { $0 == 0 })
    }

    @Test func theRecognizerGivesOneEmbeddingAndItsVersionNamesTheMatrix() throws {
        let embedder = PhotoEmbedder(backboneVersion: "efficientnet-lite0/abc")
        #expect(embedder.version.hasPrefix("embeddings/1 efficientnet-lite0/abc "))
        #expect(embedder.version.hasSuffix(projection.fingerprint))
        let photo = PhotoAnalysis(
            facts: PhotoFacts(path: "/x.jpg"), backbone: GivenFeatures(values: [Float](repeating: 1, count: 1280)))
        let observations = try embedder.recognize(photo)
        guard case .embedding(let values) = try #require(observations.first), observations.count == 1 else {
            Issue.record("expected one embedding, got \(observations)")
            return
        }
        #expect(values == projection.embed([Float](repeating: 1, count: 1280)))
        let short = PhotoAnalysis(facts: PhotoFacts(path: "/x.jpg"), backbone: GivenFeatures(values: [1, 2, 3]))
        #expect(throws: PhotoEmbedderError.self) { try embedder.recognize(short) }
    }
}
