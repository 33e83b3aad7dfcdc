import CairnCatalog

/// Re-names the places of photos that another gazetteer named (after an import, or a change of
/// `places.max-city-distance-km`'s gazetteer), in batches; the daemon runs it in the background.
public struct PlaceRenamer: Sendable {
    public var ingester: PhotoIngester

    public init(ingester: PhotoIngester) {
        self.ingester = ingester
    }

    /// Renames until no photo is left or `shouldStop` says so; returns how many photos it renamed.
    public func run(shouldStop: () -> Bool = { false }) throws(CatalogError) -> Int {
        var renamed = 0
        let version = ingester.gazetteer.version
        while !shouldStop() {
            let batch = try ingester.catalog.photosNeedingPlaces(gazetteerVersion: version)
            if batch.isEmpty { break }
            let places = batch.map {
                (
                    photoId: $0.photoId,
                    place: Optional(
                        ingester.places.exifPlace(photoId: $0.photoId, latitude: $0.latitude, longitude: $0.longitude))
                )
            }
            try ingester.catalog.storePlaces(places, gazetteerVersion: version)
            renamed += batch.count
        }
        return renamed
    }
}
