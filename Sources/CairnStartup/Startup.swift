import CairnInference
import Foundation

/// What an executable does first, before any thread starts. For executables only: it reads the environment, may
/// re-execute the whole process, and sets what the process does with signals; no library does any of that.
public enum Startup {
    /// Re-executes this program with the OpenBLAS kernels the CPU has when OpenBLAS chose older ones
    /// (`BLAS.betterCoreType`; it reads OPENBLAS_CORETYPE only when it loads), then keeps OpenBLAS on one thread.
    public static func useBestBLAS() {
        reexecWithBetterKernels(
            environment: ProcessInfo.processInfo.environment,
            cpuinfo: try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))
        BLAS.useSingleThread()
    }

    /// A daemon is not ended by a reader that went away (a plugin that exited, a closed log pipe): writes to it fail
    /// with EPIPE instead of raising SIGPIPE.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Re-executes this program with OPENBLAS_CORETYPE set when `BLAS.betterCoreType` has a suggestion (OpenBLAS reads
    /// it only when it loads). Returns if nothing is to be done or the re-exec failed.
    static func reexecWithBetterKernels(environment: [String: String], cpuinfo: String?) {
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["CAIRN_OPENBLAS_REEXEC"] == nil,
            let flagsLine = cpuinfo?.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let core = BLAS.betterCoreType(cpuFlags: Set(flagsLine.split(separator: " ").map(String.init)))
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("CAIRN_OPENBLAS_REEXEC", "1", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
    }
}
