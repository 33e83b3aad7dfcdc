import COpenBLAS

/// Dense linear algebra over OpenBLAS. Cairn runs OpenBLAS single-threaded and parallelises across photos
/// itself, so small per-photo matrices do not pay for thread hand-offs.
public enum BLAS {
    /// Makes OpenBLAS use one thread; call once at start-up.
    public static func useSingleThread() {
        openblas_set_num_threads(1)
    }

    /// C (m×n) = A (m×k) · B (k×n), all row-major.
    public static func multiply(
        _ a: UnsafeBufferPointer<Float>,  // (m, k)
        _ b: UnsafeBufferPointer<Float>,  // (k, n)
        into c: UnsafeMutableBufferPointer<Float>,  // (m, n)
        m: Int, n: Int, k: Int
    ) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "matrix buffers too small")
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a.baseAddress, Int32(k),
            b.baseAddress, Int32(n), 0, c.baseAddress, Int32(n))
    }

    /// Dot products of one query vector with each row of a matrix: scores (rows) = M (rows×dim) · q (dim).
    public static func dotRows(
        _ matrix: UnsafeBufferPointer<Float>, rows: Int, dim: Int, query: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(matrix.count >= rows * dim && query.count >= dim && scores.count >= rows, "buffers too small")
        cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(rows), Int32(dim), 1, matrix.baseAddress, Int32(dim),
            query.baseAddress, 1, 0, scores.baseAddress, 1)
    }
}
