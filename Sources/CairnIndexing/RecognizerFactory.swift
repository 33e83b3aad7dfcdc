import CairnConfig
import CairnInference
import CairnPluginHost
import CairnRecognition
import Logging

/// Builds one configured recognizer: a section with `command:` is an external plugin; any other id is looked up in the
/// registry of built-in recognizers the executable passes in.
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

    public static func make(
        _ configured: RecognizerConfiguration, context: Context, registry: RecognizerRegistry
    ) throws(LoadError) -> any Recognizer {
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
        guard let build = registry.builder(for: configured.id) else {
            throw LoadError(reason: "not available in this build of Cairn yet")
        }
        return try build(configured, context)
    }
}
