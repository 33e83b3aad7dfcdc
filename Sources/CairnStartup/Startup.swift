import CairnInference
import Foundation

/// What an executable that runs the backbone or BLAS does first, before any thread starts. For executables only:
/// it reads the environment and may re-execute the whole process.
public enum Startup {
    /// Re-executes this program with the OpenBLAS kernels the CPU has when OpenBLAS chose older ones
    /// (`BLAS.betterCoreType`; it reads OPENBLAS_CORETYPE only when it loads), then keeps OpenBLAS on one thread.
    public static func useBestBLAS() {
        BLAS.reexecWithBetterKernels(
            environment: ProcessInfo.processInfo.environment,
            cpuinfo: try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))
        BLAS.useSingleThread()
    }
}
