import CKernels

/// The vector instruction set the backbone's kernels run with. Each is compiled into every build (CKernels);
/// the best one the CPU supports is chosen at run time, so one binary runs on any x86-64 machine.
public enum InstructionSet: Int, Sendable, CaseIterable, CustomStringConvertible {
    case sse2 = 0
    case avx2 = 1
    case avx512 = 2

    /// The best this CPU supports.
    public static var best: InstructionSet { InstructionSet(rawValue: Int(cairn_isa_best().rawValue)) ?? .sse2 }

    /// Every instruction set this CPU can run, worst first.
    public static var supported: [InstructionSet] { allCases.filter { $0.rawValue <= best.rawValue } }

    public var description: String { String(cString: cairn_isa_name(isa)) }

    var isa: cairn_isa { cairn_isa(rawValue: UInt32(rawValue)) }
}
