import CairnInference
import CairnTesting
import Foundation
import Testing

/// The safetensors loader behind the backbone model and landmark packs refuses crafted files with a reason. It is
/// compiled with -Ounchecked, so only its explicit checks stand between a file and an out-of-bounds read.
@Suite struct TensorFileTests {
    static func fixture(_ name: String) -> String {
        TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/tensor/\(name)").path
    }

    static func refusal(_ name: String) -> String? {
        do {
            let file = try TensorFile(path: fixture(name))
            Issue.record("\(name) was accepted: \(file.entries.mapValues(\.shape))")
            return nil
        } catch {
            return error.message
        }
    }

    /// Found by fuzz/swift/tensor.swift: a header length of 2^64 - 1 trapped converting to Int (in -O builds; under
    /// -Ounchecked it wrapped). It is compared as the unsigned number it is.
    @Test func aHeaderLengthBeyondIntIsRefused() {
        #expect(Self.refusal("header-length-above-int-max.safetensors")?.hasPrefix("not a safetensors file") == true)
    }

    /// A shape whose product overflows (2^62 x 4 = 2^64) wrapped to no elements under -Ounchecked, so the tensor
    /// passed with an empty byte range and a shape promising 2^64 floats.
    @Test func aShapeWhoseProductOverflowsIsRefused() {
        #expect(Self.refusal("shape-product-overflows.safetensors")?.contains("impossible shape") == true)
    }

    /// Two negative dimensions multiply to a positive count that matched the byte range.
    @Test func negativeDimensionsAreRefused() {
        #expect(Self.refusal("negative-dimensions.safetensors")?.contains("impossible shape") == true)
    }

    /// A file shorter than the 8-byte length is refused before it is read.
    @Test func anEmptyFileIsRefused() {
        let directory = TemporaryDirectory()
        let path = directory.file("empty.safetensors")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(throws: ModelError.self) { try TensorFile(path: path) }
    }
}
