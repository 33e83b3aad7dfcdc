import CairnRecognition

extension LandmarkRecognizer {
    /// The pack's landmarks and where they stand (the first of a key that appears twice): the host names again the
    /// places an earlier version recorded from them.
    public func placeHints() -> [String: PlaceHint] {
        Dictionary(
            search.pack.landmarks.map {
                (
                    $0.key,
                    PlaceHint(
                        key: $0.key, city: $0.city, country: $0.country, latitude: $0.latitude, longitude: $0.longitude)
                )
            },
            uniquingKeysWith: { first, _ in first })
    }
}
