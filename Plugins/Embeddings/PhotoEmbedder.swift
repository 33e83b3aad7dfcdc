import CairnInference
import CairnRecognition

/// Each photo's compact embedding: the backbone's pooled features reduced to 128 values (`CompactProjection`),
/// stored in the catalog so later work that compares photos by how they look (discovering the library's own
/// landmarks, placing photos without GPS) never decodes a photo again. Reads the features every photo's backbone
/// pass produces anyway.
public struct PhotoEmbedder: Recognizer {
    public static let codeVersion = "1"
    public let id = "embeddings"
    public let version: String
    public let projection: CompactProjection

    public init(backboneVersion: String, projection: CompactProjection = CompactProjection()) {
        self.projection = projection
        // Another backbone or matrix gives other vectors: stored ones become stale and are computed again.
        version =
            "embeddings/\(Self.codeVersion) \(backboneVersion) random-orthonormal-\(projection.outputCount) "
            + projection.fingerprint
    }

    public func recognize(_ photo: PhotoAnalysis) throws -> [Observation] {
        let features = try photo.backbone.features()
        guard features.count == projection.inputCount else {
            throw PhotoEmbedderError(
                message: "backbone gave \(features.count) features, expected \(projection.inputCount)")
        }
        return [.embedding(projection.embed(features))]
    }
}

/// Why a photo's embedding could not be made.
public struct PhotoEmbedderError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
