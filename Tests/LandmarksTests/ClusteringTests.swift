import CairnInference
import CairnLandmarkBuilder
import Testing

/// Complete-linkage clustering against a plain O(n³) implementation of the definition, on random points.
struct ClusteringTests {
    /// Repeatedly merge the two clusters whose farthest members are closest, while that distance ≤ threshold.
    static func naive(_ points: [[Float]], threshold: Float) -> Set<Set<Int>> {
        func distance(_ a: Int, _ b: Int) -> Float {
            zip(points[a], points[b]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        }
        var clusters = points.indices.map { [$0] }
        while clusters.count > 1 {
            var best = (i: 0, j: 0, d: Float.infinity)
            for i in clusters.indices {
                for j in clusters.indices where j > i {
                    let d = clusters[i].flatMap { a in clusters[j].map { b in distance(a, b) } }.max()!
                    if d < best.d { best = (i, j, d) }
                }
            }
            guard best.d <= threshold else { break }
            clusters[best.i] += clusters[best.j]
            clusters.remove(at: best.j)
        }
        return Set(clusters.map(Set.init))
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func matchesTheDefinitionOnRandomPoints(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let n = 40
        let d = 3
        // Three loose blobs and some scatter.
        let centres: [[Float]] = [[0, 0, 0], [3, 0, 0], [0, 4, 1]]
        let points: [[Float]] = (0..<n).map { i in
            let centre = centres[i % 3]
            return (0..<d).map { centre[$0] + Float.random(in: -1.2...1.2, using: &random) }
        }
        for threshold: Float in [0.5, 1.5, 2.5, 4, 10] {
            let fast = Clustering.completeLinkage(points.flatMap { $0 }, count: n, dimension: d, threshold: threshold)
            #expect(Set(fast.map(Set.init)) == Self.naive(points, threshold: threshold), "threshold \(threshold)")
            #expect(fast.map(\.count) == fast.map(\.count).sorted(by: >), "largest first")
            #expect(fast.flatMap { $0 }.sorted() == Array(0..<n))
        }
    }

    @Test func separatesTwoViewsOfALandmark() {
        // Two tight groups far apart (outside and inside, say) and one stray photo.
        let points: [[Float]] = [[1, 0], [0.98, 0.05], [0.99, -0.04], [0, 1], [0.03, 0.99], [-0.7, -0.7]]
        let clusters = Clustering.completeLinkage(points.flatMap { $0 }, count: 6, dimension: 2, threshold: 0.3)
        #expect(Set(clusters.map(Set.init)) == [[0, 1, 2], [3, 4], [5]])
    }
}
