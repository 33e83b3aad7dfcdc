import GRDB

/// The named place of a photo, from its EXIF GPS or from a recognised landmark.
public struct PhotoPlaceRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "photo_places"

    public enum Source: String, Codable, Sendable, DatabaseValueConvertible {
        case exif
        case landmark
    }

    public enum Columns {
        public static let photoId = Column(CodingKeys.photoId)
        public static let source = Column(CodingKeys.source)
    }

    public var photoId: Int64
    public var source: Source
    /// ISO 3166-1 alpha-2.
    public var countryCode: String?
    public var country: String?
    public var adminRegion: String?
    public var city: String?
    /// Which gazetteer named the place (for example `libgeonames-0.3.0`), so a new one can re-run.
    public var gazetteerVersion: String
    /// A landmark place: the landmark's position (v9); nil for an EXIF place, whose position is the photo's facts.
    public var latitude: Double?
    public var longitude: Double?

    public init(
        photoId: Int64, source: Source, countryCode: String?, country: String?, adminRegion: String?,
        city: String?, gazetteerVersion: String, latitude: Double? = nil, longitude: Double? = nil
    ) {
        self.latitude = latitude
        self.longitude = longitude
        self.photoId = photoId
        self.source = source
        self.countryCode = countryCode
        self.country = country
        self.adminRegion = adminRegion
        self.city = city
        self.gazetteerVersion = gazetteerVersion
    }
}
