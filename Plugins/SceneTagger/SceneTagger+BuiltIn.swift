import CairnRecognition

extension SceneTagger {
    /// The settings `recognizers.scene-tags` accepts, their defaults, and how the host loads the tagger from them.
    public static let builtIn = BuiltInRecognizer(
        schema: RecognizerSchema(
            id: "scene-tags",
            settings: [
                .init(key: "min-score", kind: .double(0...1), defaultValue: .double(defaultMinScore)),
                .init(key: "max-tags", kind: .int(1...20), defaultValue: .int(defaultMaxTags)),
            ])
    ) { (context) throws(RecognizerLoadError) in
        SceneTagger(
            backboneVersion: try context.requireBackbone(),
            minScore: context.double("min-score") ?? defaultMinScore,
            maxTags: context.int("max-tags") ?? defaultMaxTags)
    }
}
