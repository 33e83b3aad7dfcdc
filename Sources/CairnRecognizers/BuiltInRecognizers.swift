import CairnConfig
import CairnIndexing
import CairnRecognition
import Landmarks
import SceneTagger

extension RecognizerRegistry {
    /// Every recognizer built into Cairn, one line each: what the executables pass to `RecognitionPipeline`.
    public static let builtIn: RecognizerRegistry = {
        var registry = RecognizerRegistry()
        registry.register("scene-tags", BuiltInRecognizers.sceneTags)
        registry.register("landmarks", BuiltInRecognizers.landmarks)
        return registry
    }()
}

/// How each built-in recognizer is made from its configured settings (their defaults are in `RecognizerSchema`).
enum BuiltInRecognizers {
    @Sendable static func sceneTags(
        _ configured: RecognizerConfiguration, _ context: RecognizerFactory.Context
    ) throws(RecognizerFactory.LoadError) -> any Recognizer {
        let model = try context.requireBackbone()
        var maxTags = 3
        if case .int(let n) = configured.settings["max-tags"] { maxTags = n }
        return SceneTagger(
            backboneVersion: model.version, minScore: configured.settings["min-score"]?.doubleValue ?? 0.25,
            maxTags: maxTags)
    }

    @Sendable static func landmarks(
        _ configured: RecognizerConfiguration, _ context: RecognizerFactory.Context
    ) throws(RecognizerFactory.LoadError) -> any Recognizer {
        let model = try context.requireBackbone()
        guard case .string(let pack) = configured.settings["pack"] else {
            throw RecognizerFactory.LoadError(reason: "no landmark pack is configured")
        }
        do {
            return try LandmarkRecognizer(
                packPath: pack, backboneVersion: model.version,
                geoSquareKm: configured.settings["geo-square-km"]?.doubleValue ?? 1)
        } catch {
            throw RecognizerFactory.LoadError(reason: "landmark pack unavailable: \(error)")
        }
    }
}
