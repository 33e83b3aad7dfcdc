import CairnRecognition

extension LandmarkRecognizer {
    /// The settings `recognizers.landmarks` accepts, their defaults, and how the host loads the recognizer (and its
    /// pack) from them.
    public static let builtIn = BuiltInRecognizer(
        schema: RecognizerSchema(
            id: "landmarks",
            settings: [
                .init(key: "pack", kind: .path, defaultValue: .string("landmarks.cairnpack")),
                .init(key: "geo-square-km", kind: .double(0.1...100), defaultValue: .double(defaultGeoSquareKm)),
            ])
    ) { (context) throws(RecognizerLoadError) in
        let backbone = try context.requireBackbone()
        guard let pack = context.string("pack") else {
            throw RecognizerLoadError(reason: "no landmark pack is configured")
        }
        do {
            return try LandmarkRecognizer(
                packPath: pack, backboneVersion: backbone,
                geoSquareKm: context.double("geo-square-km") ?? defaultGeoSquareKm)
        } catch {
            throw RecognizerLoadError(reason: "landmark pack unavailable: \(error)")
        }
    }
}
