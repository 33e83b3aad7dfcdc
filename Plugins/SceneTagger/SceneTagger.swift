import CairnRecognition
import Foundation

/// Scene tags: the ImageNet classes the backbone is most sure of ("espresso", "seashore", "tabby"), read from the
/// logits every photo's backbone pass produces anyway. A class becomes a `scene` tag when its softmax probability
/// reaches `minScore`; at most `maxTags` per photo.
public struct SceneTagger: Recognizer {
    public static let codeVersion = "1"
    public static let defaultMinScore = 0.25
    public static let defaultMaxTags = 3
    public let id = "scene-tags"
    public let version: String
    public let minScore: Double
    public let maxTags: Int

    public init(backboneVersion: String, minScore: Double = defaultMinScore, maxTags: Int = defaultMaxTags) {
        self.minScore = minScore
        self.maxTags = maxTags
        // Settings change the results, so they are part of the version: changing them re-tags every photo.
        version = "scene-tags/\(Self.codeVersion) \(backboneVersion) min-score=\(minScore) max-tags=\(maxTags)"
    }

    public func recognize(_ photo: PhotoAnalysis) throws -> [Observation] {
        let logits = try photo.backbone.logits()
        guard logits.count == imageNetClasses.count else {
            throw SceneTaggerError(message: "backbone gave \(logits.count) logits, expected \(imageNetClasses.count)")
        }
        return Self.topClasses(logits, minScore: minScore, maxTags: maxTags).map {
            .tag(kind: "scene", label: imageNetClasses[$0.index], score: $0.probability)
        }
    }

    /// The classes whose softmax probability reaches `minScore`, most probable first, at most `maxTags`.
    static func topClasses(_ logits: [Float], minScore: Double, maxTags: Int) -> [(index: Int, probability: Double)] {
        let peak = Double(logits.max() ?? 0)
        let exponentials = logits.map { exp(Double($0) - peak) }
        let total = exponentials.reduce(0, +)
        return exponentials.enumerated()
            .map { (index: $0.offset, probability: $0.element / total) }
            .filter { $0.probability >= minScore }
            .sorted { $0.probability > $1.probability }
            .prefix(maxTags)
            .map { $0 }
    }

    /// The human-readable name of ImageNet class `index`.
    public static func className(_ index: Int) -> String { imageNetClasses[index] }
}

/// Why scene tagging failed on a photo.
public struct SceneTaggerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
