import CairnRecognition

/// The built-in recognizers a build of Cairn offers, in their default order. The executables (the composition root)
/// make it and pass it in, so this library depends on no plugin. Each plugin declares its `BuiltInRecognizer` (its
/// settings and how it loads) in its own folder; a new one is one line in `RecognizerRegistry.builtIn` (module
/// CairnRecognizers). A section with `command:` is an external plugin and needs no entry.
public struct RecognizerRegistry: Sendable {
    public private(set) var recognizers: [BuiltInRecognizer] = []

    /// An empty registry: only external plugins can load.
    public init() {}

    public init(_ recognizers: [BuiltInRecognizer]) {
        for recognizer in recognizers { register(recognizer) }
    }

    /// Offers a recognizer under its schema's id (replacing one registered earlier under the same id).
    public mutating func register(_ recognizer: BuiltInRecognizer) {
        recognizers.removeAll { $0.id == recognizer.id }
        recognizers.append(recognizer)
    }

    /// The ids offered, in registration order.
    public var ids: [String] { recognizers.map(\.id) }

    /// What the configuration loader checks each recognizer section against (`ConfigurationLoader(recognizers:)`).
    public var schemas: [RecognizerSchema] { recognizers.map(\.schema) }

    func recognizer(for id: String) -> BuiltInRecognizer? { recognizers.first { $0.id == id } }
}
