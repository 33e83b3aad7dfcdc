import CairnRecognition

extension PhotoEmbedder {
    /// `recognizers.embeddings` takes no setting: the projection is fixed, so every catalog's embeddings compare.
    public static let builtIn = BuiltInRecognizer(schema: RecognizerSchema(id: "embeddings", settings: [])) {
        (context) throws(RecognizerLoadError) in
        PhotoEmbedder(backboneVersion: try context.requireBackbone())
    }
}
