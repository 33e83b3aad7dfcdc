import CairnInference
import Foundation
import Landmarks

/// A trained embedding head on its own (`cairn landmarks train --out HEAD`, `cairn landmarks build --head HEAD`):
/// a safetensors file with `head.weight` (D × 1280) and `head.bias` (D), batch norm already folded in, and metadata
/// `format` = `cairn-embedding-head`, `backbone` (the backbone version it was trained on) and `name`.
public enum HeadFile {
    public static let format = "cairn-embedding-head"

    public static func write(_ head: EmbeddingHead, backbone: String, to path: String) throws {
        try TensorFileWriter.write(
            [
                .init(name: "head.bias", shape: [head.outputCount], values: head.bias),
                .init(name: "head.weight", shape: [head.outputCount, head.inputCount], values: head.weight),
            ],
            metadata: ["format": format, "backbone": backbone, "name": head.name], to: path)
    }

    public static func load(path: String, backbone: String) throws(LandmarkBuildError) -> EmbeddingHead {
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
        guard let shape = file.entries["head.weight"]?.shape, shape.count == 2, shape[1] == EfficientNetLite0.featureCount else {
            throw LandmarkBuildError("\(path): head.weight is missing or not D × \(EfficientNetLite0.featureCount)")
        }
        do {
            let weight = Array(try file.tensor("head.weight", shape: shape))
            let bias = Array(try file.tensor("head.bias", shape: [shape[0]]))
            guard (weight + bias).allSatisfy(\.isFinite) else { throw LandmarkBuildError("\(path): the head holds a value that is not a finite number") }
            return EmbeddingHead(name: file.metadata["name"] ?? "trained", inputCount: shape[1], outputCount: shape[0], weight: weight, bias: bias)
        } catch let error as ModelError {
            throw LandmarkBuildError("\(path): \(error.message)")
        } catch {
            throw error as! LandmarkBuildError
        }
    }
}
