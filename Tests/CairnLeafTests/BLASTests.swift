import CairnInference
import Testing

@Suite struct BLASTests {
    @Test func multiplyMatchesHandComputedProduct() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]  // (2, 3)
        let b: [Float] = [7, 8, 9, 10, 11, 12]  // (3, 2)
        var c = [Float](repeating: 0, count: 4)  // (2, 2)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { BLAS.multiply(a, b, into: $0, m: 2, n: 2, k: 3) }
            }
        }
        #expect(c == [58, 64, 139, 154])
    }

    @Test func dotRowsScoresEachRow() {
        let m: [Float] = [1, 0, 0, 1, 0.6, 0.8]  // (3, 2)
        let q: [Float] = [0.6, 0.8]
        var scores = [Float](repeating: 0, count: 3)
        m.withUnsafeBufferPointer { m in
            q.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { BLAS.dotRows(m, rows: 3, dim: 2, query: q, into: $0) }
            }
        }
        #expect(abs(scores[0] - 0.6) < 1e-6 && abs(scores[1] - 0.8) < 1e-6 && abs(scores[2] - 1) < 1e-6)
    }
}
