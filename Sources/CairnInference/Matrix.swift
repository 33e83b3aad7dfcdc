import COpenBLAS
import Foundation

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
        require(a.count >= m * k && b.count >= k * n && c.count >= m * n, "matrix buffers too small")
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a.baseAddress, Int32(k),
            b.baseAddress, Int32(n), 0, c.baseAddress, Int32(n))
    }

    /// C (m×n) = A (m×k) · Bᵀ, with B stored row-major as (n×k): the dot product of every row of A with every
    /// row of B, as in a batch of queries against a matrix of centroids.
    public static func multiplyTransposed(
        _ a: UnsafeBufferPointer<Float>,  // (m, k)
        _ b: UnsafeBufferPointer<Float>,  // (n, k)
        into c: UnsafeMutableBufferPointer<Float>,  // (m, n)
        m: Int, n: Int, k: Int
    ) {
        require(a.count >= m * k && b.count >= n * k && c.count >= m * n, "matrix buffers too small")
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a.baseAddress, Int32(k),
            b.baseAddress, Int32(k), 0, c.baseAddress, Int32(n))
    }

    /// Dot products of one query vector with each row of a matrix: scores (rows) = M (rows×dim) · q (dim).
    public static func dotRows(
        _ matrix: UnsafeBufferPointer<Float>, rows: Int, dim: Int, query: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        require(matrix.count >= rows * dim && query.count >= dim && scores.count >= rows, "buffers too small")
        cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(rows), Int32(dim), 1, matrix.baseAddress, Int32(dim),
            query.baseAddress, 1, 0, scores.baseAddress, 1)
    }
}

extension BLAS {
    /// The kernel family OpenBLAS chose for this CPU ("Haswell", "SkylakeX", … or "Prescott" as a fallback).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons and falls back to its 2004 "Prescott" kernels,
    /// which run this network at half speed or less. Given the CPU's flags (from /proc/cpuinfo), this names the
    /// kernel family to ask for instead — nil when OpenBLAS already chose well or the CPU has nothing better.
    public static func betterCoreType(cpuFlags: Set<String>) -> String? {
        guard coreName == "Prescott" || coreName == "Core2" || coreName == "Unknown" else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}

extension BLAS {
    /// The eigenvalues (ascending) and eigenvectors of a symmetric n×n matrix, through LAPACK's `ssyev`. Returns
    /// nil if LAPACK reports a failure. Eigenvector i is row i of `vectors` (n×n, row-major).
    public static func symmetricEigen(_ matrix: [Float], n: Int) -> (values: [Float], vectors: [Float])? {
        require(matrix.count == n * n, "symmetricEigen: matrix is not n×n")
        // Column-major in, column-major out; a symmetric matrix is its own transpose, and column i of the result
        // (eigenvector i) is row i of the same buffer read row-major.
        var a = matrix
        var values = [Float](repeating: 0, count: n)
        var size = Int32(n)
        var info: Int32 = 0
        var query: Float = 0
        var lwork: Int32 = -1
        ssyev_("V", "U", &size, &a, &size, &values, &query, &lwork, &info, 1, 1)
        guard info == 0 else { return nil }
        lwork = Int32(query)
        var work = [Float](repeating: 0, count: Int(lwork))
        ssyev_("V", "U", &size, &a, &size, &values, &work, &lwork, &info, 1, 1)
        guard info == 0 else { return nil }
        return (values, a)
    }
}
