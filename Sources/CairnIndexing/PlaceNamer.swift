import CairnCatalog
import CairnPlaces
import CairnRecognition

/// Names places through one gazetteer: a photo's EXIF position at ingest, and the place hint a recognizer gives (a
/// landmark's position), the same way, so a photo placed by its landmark lands in the same country and city album as a
/// photo with GPS there. The one place in Cairn where a position becomes a place name.
public struct PlaceNamer: Sendable {
    public var gazetteer: Gazetteer
    /// How far a city may be from a position to name it (`places.max-city-distance-km`).
    public var maxCityDistanceKm: Double

    public init(gazetteer: Gazetteer, maxCityDistanceKm: Double) {
        self.gazetteer = gazetteer
        self.maxCityDistanceKm = maxCityDistanceKm
    }

    /// The EXIF place of a position; a row without names when no city or country is near, so the photo is not looked
    /// up again until the gazetteer changes.
    public func exifPlace(photoId: Int64, latitude: Double, longitude: Double) -> PhotoPlaceRecord {
        let place = gazetteer.place(latitude: latitude, longitude: longitude, maxCityDistanceKm: maxCityDistanceKm)
        return PhotoPlaceRecord(
            photoId: photoId, source: .exif, countryCode: place?.countryCode, country: place?.country,
            adminRegion: place?.adminRegion, city: place?.city, gazetteerVersion: gazetteer.version)
    }

    /// The place a recognizer's hint gives a photo: named by the gazetteer at the hint's position when there is one
    /// and the gazetteer names a country there (the country with its code, the city with its region; the hint's city
    /// when the gazetteer names no city there), else the hint's own city and country.
    public func hintedPlace(_ hint: PlaceHint, photoId: Int64) -> PhotoPlaceRecord {
        guard let position = hint.position,
            let named = gazetteer.place(
                latitude: position.latitude, longitude: position.longitude, maxCityDistanceKm: maxCityDistanceKm),
            let country = named.country
        else { return Self.unnamed(hint, photoId: photoId) }
        return PhotoPlaceRecord(
            photoId: photoId, source: .landmark, countryCode: named.countryCode, country: country,
            adminRegion: named.city == nil ? nil : named.adminRegion, city: named.city ?? hint.city,
            gazetteerVersion: "landmark:\(hint.key)", latitude: position.latitude, longitude: position.longitude)
    }

    /// The place a hint gives a photo without a gazetteer: the hint's own city and country.
    public static func unnamed(_ hint: PlaceHint, photoId: Int64) -> PhotoPlaceRecord {
        PhotoPlaceRecord(
            photoId: photoId, source: .landmark, countryCode: nil, country: hint.country, adminRegion: nil,
            city: hint.city, gazetteerVersion: "landmark:\(hint.key)", latitude: hint.position?.latitude,
            longitude: hint.position?.longitude)
    }
}

extension Optional where Wrapped == PlaceNamer {
    /// The hinted place, named when there is a namer.
    func hintedPlace(_ hint: PlaceHint, photoId: Int64) -> PhotoPlaceRecord {
        self?.hintedPlace(hint, photoId: photoId) ?? PlaceNamer.unnamed(hint, photoId: photoId)
    }
}
