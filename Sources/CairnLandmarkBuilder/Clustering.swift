import CairnInference

/// Hierarchical agglomerative clustering with complete linkage (the distance between two clusters is the largest
/// distance between their members), cut at a distance threshold: the paper's way of finding the separate views
/// of one landmark (outside and inside, day and night) so that each gets its own centroid.
public enum Clustering {
    /// The clusters of `count` points (row-major, `dimension` wide) under Euclidean distance, cut at `threshold`:
    /// lists of point indices, largest first. Runs the nearest-neighbour-chain algorithm, O(n²) time and memory.
    public static func completeLinkage(_ points: [Float], count n: Int, dimension d: Int, threshold: Float) -> [[Int]] {
        precondition(points.count == n * d, "clustering: \(points.count) values for \(n) points")
        guard n > 1 else { return n == 1 ? [[0]] : [] }
        var distance = distances(points, count: n, dimension: d)
        var active = [Bool](repeating: true, count: n)
        var activeCount = n
        var chain: [Int] = []
        var merges: [(Int, Int, Float)] = []
        while activeCount > 1 {
            if chain.isEmpty { chain.append(active.firstIndex(of: true)!) }
            let a = chain[chain.count - 1]
            let previous = chain.count >= 2 ? chain[chain.count - 2] : -1
            // a's nearest active neighbour, preferring the previous chain element on ties (this keeps the chain
            // from cycling).
            var nearest = previous
            var best = previous >= 0 ? distance[a * n + previous] : .infinity
            for x in 0..<n where active[x] && x != a && distance[a * n + x] < best {
                best = distance[a * n + x]
                nearest = x
            }
            if nearest == previous {
                chain.removeLast(2)
                merges.append((a, previous, best))
                // The merged cluster keeps slot a; complete linkage: its distance to x is the larger of the two.
                for x in 0..<n where active[x] && x != a && x != previous {
                    let merged = max(distance[a * n + x], distance[previous * n + x])
                    distance[a * n + x] = merged
                    distance[x * n + a] = merged
                }
                active[previous] = false
                activeCount -= 1
            } else {
                chain.append(nearest)
            }
        }
        // Complete linkage is monotone, so the clusters at the threshold are what the merges below it make.
        var parent = Array(0..<n)
        func root(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        for (a, b, height) in merges where height <= threshold {
            parent[root(b)] = root(a)
        }
        var groups: [Int: [Int]] = [:]
        for point in 0..<n { groups[root(point), default: []].append(point) }
        return groups.values.sorted { $0.count != $1.count ? $0.count > $1.count : $0[0] < $1[0] }
    }

    /// Pairwise Euclidean distances (n×n) through one Gram matrix product.
    static func distances(_ points: [Float], count n: Int, dimension d: Int) -> [Float] {
        var gram = [Float](repeating: 0, count: n * n)
        points.withUnsafeBufferPointer { p in
            gram.withUnsafeMutableBufferPointer { g in BLAS.multiplyTransposed(p, p, into: g, m: n, n: n, k: d) }
        }
        var result = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                result[i * n + j] = i == j ? 0 : max(0, gram[i * n + i] + gram[j * n + j] - 2 * gram[i * n + j]).squareRoot()
            }
        }
        return result
    }
}
