import CairnCatalog
import CairnConfig
import CairnIndexing
import CairnRecognition
import Logging
import Synchronization
import Testing

/// The pipeline builds built-in recognizers only from the registry the executable passes in: CairnIndexing knows no
/// plugin, and a new recognizer is one `register` line.
@Suite struct RecognizerRegistryTests {
    struct Constant: Recognizer {
        var id: String
        var version: String { "constant-1" }
        var usesBackbone: Bool { false }
        func recognize(_ photo: PhotoAnalysis) throws -> [Observation] { [.tag(kind: "test", label: "x", score: 1)] }
    }

    func pipeline(_ ids: [String], registry: RecognizerRegistry) throws -> RecognitionPipeline {
        var settings = CairnConfiguration()
        settings.recognizers = ids.map { RecognizerConfiguration(id: $0) }
        settings.backbone.model = "/nonexistent/model.safetensors"
        return RecognitionPipeline(
            settings: settings, places: nil, registry: registry,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @Test func aRecognizerRegisteredByTheExecutableIsBuiltAndRecorded() throws {
        var registry = RecognizerRegistry()
        registry.register(
            BuiltInRecognizer(schema: RecognizerSchema(id: "constant", settings: [])) { context in
                Constant(id: context.id)
            })
        #expect(registry.ids == ["constant"])
        let built = try pipeline(["constant"], registry: registry)
        #expect(built.recognizers.map(\.id) == ["constant"])
        #expect(built.unavailable.isEmpty)
        let catalog = try Catalog.inMemory()
        try RecognitionWriter(catalog: catalog, logger: Logger(label: "test")).register(built)
        let recorded = try catalog.status().recognizers
        #expect(
            recorded.map { "\($0.id) \($0.version) \($0.enabled) \($0.status ?? "")" } == [
                "constant constant-1 true loaded"
            ])
    }

    @Test func aBuiltInIdTheRegistryDoesNotOfferIsUnavailableWithTheReason() throws {
        let built = try pipeline(["scene-tags", "constant"], registry: RecognizerRegistry())
        #expect(built.recognizers.isEmpty)
        #expect(
            built.unavailable == [
                .init(id: "scene-tags", reason: "not available in this build of Cairn yet"),
                .init(id: "constant", reason: "not available in this build of Cairn yet"),
            ])
    }

    @Test func aLoadErrorFromTheRegistryIsTheRecognizersReason() throws {
        var registry = RecognizerRegistry()
        registry.register(
            BuiltInRecognizer(schema: RecognizerSchema(id: "needs-backbone", settings: [])) {
                (context) throws(RecognizerLoadError) in
                _ = try context.requireBackbone()
                return Constant(id: "needs-backbone")
            })
        let built = try pipeline(["needs-backbone"], registry: registry)
        #expect(
            built.unavailable.first?.reason.hasPrefix("backbone unavailable: ") == true,
            "\(built.unavailable)")
    }

    /// A section built in code (no configuration file) still gets the schema's defaults: they are written once, in
    /// the plugin's schema.
    @Test func settingsLeftOutTakeTheSchemasDefaults() throws {
        let seen = Mutex<[String: SettingValue]>([:])
        var registry = RecognizerRegistry()
        registry.register(
            BuiltInRecognizer(
                schema: RecognizerSchema(
                    id: "constant",
                    settings: [
                        .init(key: "level", kind: .int(0...9), defaultValue: .int(5)),
                        .init(key: "name", kind: .string, defaultValue: .string("x")),
                    ])
            ) { context in
                seen.withLock { $0 = context.settings }
                return Constant(id: context.id)
            })
        var settings = CairnConfiguration()
        settings.recognizers = [RecognizerConfiguration(id: "constant", settings: ["name": .string("y")])]
        settings.backbone.model = "/nonexistent/model.safetensors"
        _ = RecognitionPipeline(
            settings: settings, places: nil, registry: registry,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(seen.withLock { $0 } == ["level": .int(5), "name": .string("y")])
    }
}
