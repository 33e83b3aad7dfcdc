import CairnConfig
import CairnInference
import CairnPluginHost
import CairnRecognition
import Landmarks
import Logging
import SceneTagger

/// Builds one configured recognizer. This is the one place that maps a configured id to its plugin: a new
/// built-in plugin adds a `case` here (and its settings to `RecognizerSchema`); a section with `command:` is an
/// external plugin.
public enum RecognizerFactory {
    /// What a plugin may need from the host at load time.
    public struct Context: Sendable {
        /// The loaded backbone; nil when it could not be loaded (`backboneProblem` says why).
        public var backbone: EfficientNetLite0?
        public var backboneProblem: String
        public var logger: Logger

        public init(backbone: EfficientNetLite0?, backboneProblem: String, logger: Logger) {
            self.backbone = backbone
            self.backboneProblem = backboneProblem
            self.logger = logger
        }

        /// The backbone, or the reason a plugin that needs it cannot load.
        public func requireBackbone() throws(LoadError) -> EfficientNetLite0 {
            guard let backbone else { throw LoadError(reason: backboneProblem) }
            return backbone
        }
    }

    /// Why a recognizer could not be built; the reason is shown in `cairn status`.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public init(reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    public static func make(_ configured: RecognizerConfiguration, context: Context) throws(LoadError) -> any Recognizer {
        if let external = configured.external {
            do {
                return try ExternalRecognizer(
                    spec: ExternalPluginSpec(
                        id: configured.id, command: external.command, arguments: external.arguments,
                        settings: configured.settings.mapValues(\.description), timeoutSeconds: external.timeoutSeconds,
                        maxFailures: external.maxFailures, imageSize: external.imageSize),
                    backboneVersion: context.backbone?.version, logger: context.logger)
            } catch {
                throw LoadError(reason: error.message)
            }
        }
        switch configured.id {
        case "scene-tags":
            let model = try context.requireBackbone()
            var maxTags = 3
            if case .int(let n) = configured.settings["max-tags"] { maxTags = n }
            return SceneTagger(
                backboneVersion: model.version, minScore: configured.settings["min-score"]?.doubleValue ?? 0.25,
                maxTags: maxTags)
        case "landmarks":
            let model = try context.requireBackbone()
            guard case .string(let pack) = configured.settings["pack"] else {
                throw LoadError(reason: "no landmark pack is configured")
            }
            do {
                return try LandmarkRecognizer(
                    packPath: pack, backboneVersion: model.version,
                    geoSquareKm: configured.settings["geo-square-km"]?.doubleValue ?? 1)
            } catch {
                throw LoadError(reason: "landmark pack unavailable: \(error)")
            }
        default:
            throw LoadError(reason: "not available in this build of Cairn yet")
        }
    }
}
