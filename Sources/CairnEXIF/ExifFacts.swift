/// What a photo's EXIF block says, already converted: signed decimal degrees, ISO-like local times.
public struct ExifFacts: Sendable, Equatable {
    /// Signed decimal degrees (south and west negative); nil when there is no usable location.
    public var latitude: Double?
    public var longitude: Double?
    /// Metres above sea level (negative below).
    public var altitude: Double?
    /// Why GPS tags present in the file were not taken as a location, such as "latitude 213.6 is out of range".
    public var locationIssue: String?
    /// GPSDateStamp + GPSTimeStamp, the satellite's UTC time of the fix, as `YYYY-MM-DDTHH:MM:SSZ`.
    public var gpsTimestamp: String?
    /// DateTimeOriginal as `YYYY-MM-DDTHH:MM:SS` local time.
    public var takenAt: String?
    /// OffsetTimeOriginal, `+HH:MM`, when recorded.
    public var takenAtOffset: String?
    /// Orientation 1…8.
    public var orientation: Int?
    public var make: String?
    public var model: String?
    public var pixelWidth: Int?
    public var pixelHeight: Int?

    public init() {}

    /// Whether the file had any EXIF fact Cairn uses.
    public var isEmpty: Bool { self == ExifFacts() }
}
