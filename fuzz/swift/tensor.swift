// libFuzzer target over the safetensors loader (Sources/CairnInference/TensorFile.swift) that reads the backbone model
// and landmark packs, built by scripts/fuzz.sh with that file alone (it needs only Foundation). CairnInference ships
// with -Ounchecked, so the loader's own checks are all that stands between a crafted file and an out-of-bounds read;
// here it is built with -O, so an overflow those checks miss traps instead of wrapping. Each input is written to a
// file (the loader maps a path) and every tensor it accepts is read to the end.
import Foundation

private let path = NSTemporaryDirectory() + "cairn-fuzz-tensor-\(getpid()).safetensors"
nonisolated(unsafe) private var checksum: Float = 0  // keeps the reads from being optimised away

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTensorFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { return 0 }
    guard let file = try? TensorFile(path: path) else { return 0 }
    for (name, entry) in file.entries {
        guard let values = try? file.tensor(name, shape: entry.shape) else { continue }
        for value in values { checksum += value }
    }
    checksum += Float(file.withDataSection { Fingerprint.fnv1a64($0) } & 1)
    return 0
}
