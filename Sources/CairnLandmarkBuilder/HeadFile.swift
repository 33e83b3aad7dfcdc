import CairnInference
import Foundation
import Landmarks

/// A trained embedding head on its own (`cairn landmarks train --out HEAD`, `cairn landmarks build --head HEAD`):
/// a safetensors file with `head.weight` (D × 1280) and `head.bias` (D), batch norm already folded in, optionally
/// `exemplars` (E × 1280: the backbone features of the everyday photos the head learnt its non-landmark class
/// from, which `build` embeds into the pack for the margin μ), and metadata `format` = `cairn-embedding-head`,
/// `backbone` (the backbone version it was trained on), `name` and `held_out` (JSON: the dataset photos, `KEY/NAME`,
/// set aside from training, on which `build` calibrates the thresholds).
public enum HeadFile {
    public static let format = "cairn-embedding-head"

    /// A head and the everyday exemplars that came with it.
    public struct Trained: Sendable {
        public var head: EmbeddingHead
        public var exemplars: [[Float]]
        /// The dataset's photos (`KEY/NAME`) set aside from training: the build calibrates on them.
        public var heldOut: [String]
        public init(head: EmbeddingHead, exemplars: [[Float]] = [], heldOut: [String] = []) {
            self.head = head
            self.exemplars = exemplars
            self.heldOut = heldOut
        }
    }

    public static func write(_ trained: Trained, backbone: String, to path: String) throws {
        let head = trained.head
        var tensors: [TensorFileWriter.Tensor] = []
        if !trained.exemplars.isEmpty {
            tensors.append(.init(
                name: "exemplars", shape: [trained.exemplars.count, head.inputCount], values: trained.exemplars.flatMap { $0 }))
        }
        tensors += [
            .init(name: "head.bias", shape: [head.outputCount], values: head.bias),
            .init(name: "head.weight", shape: [head.outputCount, head.inputCount], values: head.weight),
        ]
        var metadata = ["format": format, "backbone": backbone, "name": head.name]
        if !trained.heldOut.isEmpty {
            metadata["held_out"] = String(decoding: try JSONEncoder().encode(trained.heldOut.sorted()), as: UTF8.self)
        }
        try TensorFileWriter.write(tensors, metadata: metadata, to: path)
    }

    public static func load(path: String, backbone: String) throws(LandmarkBuildError) -> Trained {
        let file: TensorFile
        do {
            file = try TensorFile(path: path)
        } catch {
            throw LandmarkBuildError("\(path): \(error.message.replacingOccurrences(of: "model file is missing; run scripts/fetch-model.sh", with: "head file is missing"))")
        }
        guard file.metadata["format"] == format else { throw LandmarkBuildError("\(path): not a Cairn embedding head") }
        guard file.metadata["backbone"] == backbone else {
            throw LandmarkBuildError("\(path): the head was trained on backbone \(file.metadata["backbone"] ?? "?"), but the loaded backbone is \(backbone); train it again")
        }
        let f = EfficientNetLite0.featureCount
        guard let shape = file.entries["head.weight"]?.shape, shape.count == 2, shape[1] == f else {
            throw LandmarkBuildError("\(path): head.weight is missing or not D × \(f)")
        }
        do {
            let weight = Array(try file.tensor("head.weight", shape: shape))
            let bias = Array(try file.tensor("head.bias", shape: [shape[0]]))
            var exemplars: [[Float]] = []
            if let exemplarShape = file.entries["exemplars"]?.shape {
                guard exemplarShape.count == 2, exemplarShape[1] == f else {
                    throw LandmarkBuildError("\(path): exemplars have shape \(exemplarShape), expected [E, \(f)]")
                }
                let values = try file.tensor("exemplars", shape: exemplarShape)
                exemplars = (0..<exemplarShape[0]).map { Array(values[($0 * f)..<(($0 + 1) * f)]) }
            }
            guard (weight + bias).allSatisfy(\.isFinite), exemplars.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                throw LandmarkBuildError("\(path): the head holds a value that is not a finite number")
            }
            let head = EmbeddingHead(
                name: file.metadata["name"] ?? "trained", inputCount: shape[1], outputCount: shape[0], weight: weight,
                bias: bias)
            var heldOut: [String] = []
            if let text = file.metadata["held_out"] {
                guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                    throw LandmarkBuildError("\(path): the list of held-out photos is malformed")
                }
                heldOut = names
            }
            return Trained(head: head, exemplars: exemplars, heldOut: heldOut)
        } catch let error as ModelError {
            throw LandmarkBuildError("\(path): \(error.message)")
        } catch {
            throw error as! LandmarkBuildError
        }
    }
}
