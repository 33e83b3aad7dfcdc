import GRDB

/// What the file itself says about a photo: when, with what, which way up, and where.
public struct PhotoFactsRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "photo_facts"

    public enum Columns {
        public static let photoId = Column(CodingKeys.photoId)
        public static let takenAt = Column(CodingKeys.takenAt)
    }

    public var photoId: Int64
    /// Local wall-clock time the photo was taken, `YYYY-MM-DDTHH:MM:SS`.
    public var takenAt: String?
    /// UTC offset of `takenAt` (`+02:00`) when the camera recorded it.
    public var takenAtOffset: String?
    public var cameraMake: String?
    public var cameraModel: String?
    /// EXIF orientation 1…8.
    public var orientation: Int?
    public var width: Int?
    public var height: Int?
    /// Signed decimal degrees.
    public var latitude: Double?
    public var longitude: Double?
    /// Metres above sea level.
    public var altitude: Double?
    /// UTC time of the GPS fix, `YYYY-MM-DDTHH:MM:SSZ`.
    public var gpsTimestamp: String?
    /// Why GPS tags in the file were not used as a location ("latitude 213.6 is out of range").
    public var locationIssue: String?

    public init(
        photoId: Int64, takenAt: String? = nil, takenAtOffset: String? = nil, cameraMake: String? = nil,
        cameraModel: String? = nil, orientation: Int? = nil, width: Int? = nil, height: Int? = nil,
        latitude: Double? = nil, longitude: Double? = nil, altitude: Double? = nil, gpsTimestamp: String? = nil,
        locationIssue: String? = nil
    ) {
        self.photoId = photoId
        self.takenAt = takenAt
        self.takenAtOffset = takenAtOffset
        self.cameraMake = cameraMake
        self.cameraModel = cameraModel
        self.orientation = orientation
        self.width = width
        self.height = height
        self.latitude = latitude
        self.longitude = longitude
        self.altitude = altitude
        self.gpsTimestamp = gpsTimestamp
        self.locationIssue = locationIssue
    }
}
