import CairnConfig
import CairnInference
import CairnPluginHost
import CairnRecognition
import Logging

/// Builds one configured recognizer: a section with `command:` is an external plugin; any other id is looked up in the
/// registry of built-in recognizers the executable passes in and loaded through the contract's `BuiltInRecognizer`.
public enum RecognizerFactory {
    /// What the host has for a recognizer at load time.
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
    }

    public static func make(
        _ configured: RecognizerConfiguration, context: Context, registry: RecognizerRegistry
    ) throws(RecognizerLoadError) -> any Recognizer {
        if let external = configured.external {
            do {
                return try ExternalRecognizer(
                    spec: ExternalPluginSpec(
                        id: configured.id, command: external.command, arguments: external.arguments,
                        settings: configured.settings.mapValues(\.description), timeoutSeconds: external.timeoutSeconds,
                        maxFailures: external.maxFailures, imageSize: external.imageSize),
                    backboneVersion: context.backbone?.version, logger: context.logger)
            } catch {
                throw RecognizerLoadError(reason: error.message)
            }
        }
        guard let builtIn = registry.recognizer(for: configured.id) else {
            throw RecognizerLoadError(reason: "not available in this build of Cairn yet")
        }
        // Settings a section built in code leaves out take the schema's defaults, as the configuration file's do.
        return try builtIn.load(
            RecognizerLoadContext(
                id: configured.id,
                settings: builtIn.schema.defaults.merging(configured.settings) { _, configured in configured },
                backboneVersion: context.backbone?.version, backboneProblem: context.backboneProblem))
    }
}
