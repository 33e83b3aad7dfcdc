import CairnConfig
import CairnRecognition

/// The built-in recognizers a build of Cairn offers, by configured id. The executables (the composition root) make it
/// and pass it in, so this library depends on no plugin: a new built-in recognizer is one `register` line there
/// (`RecognizerRegistry.builtIn`, module CairnRecognizers) and its settings in `RecognizerSchema`. A section with
/// `command:` is an external plugin and needs no entry.
public struct RecognizerRegistry: Sendable {
    /// Builds one configured recognizer, or says why it cannot load.
    public typealias Build =
        @Sendable (RecognizerConfiguration, RecognizerFactory.Context) throws(RecognizerFactory.LoadError)
        -> any Recognizer

    private var builders: [String: Build] = [:]

    /// An empty registry: only external plugins can load.
    public init() {}

    /// Offers the recognizer configured as `id`.
    public mutating func register(_ id: String, _ build: @escaping Build) {
        builders[id] = build
    }

    /// The ids offered, sorted.
    public var ids: [String] { builders.keys.sorted() }

    func builder(for id: String) -> Build? { builders[id] }
}
