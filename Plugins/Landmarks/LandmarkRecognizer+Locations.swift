import CairnRecognition

extension LandmarkRecognizer: LandmarkLocating {
    /// The pack's landmarks and where they stand (the first of a key that appears twice).
    public func landmarkLocations() -> [String: LandmarkLocation] {
        Dictionary(
            search.pack.landmarks.map {
                ($0.key, LandmarkLocation(
                    key: $0.key, city: $0.city, country: $0.country, latitude: $0.latitude, longitude: $0.longitude))
            },
            uniquingKeysWith: { first, _ in first })
    }
}
