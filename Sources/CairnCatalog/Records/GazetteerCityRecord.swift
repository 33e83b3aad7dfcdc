import GRDB

/// A city of an imported GeoNames dump.
public struct GazetteerCityRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "gazetteer_cities"

    public var geonameId: Int64
    public var name: String
    public var adminRegion: String?
    public var countryCode: String
    public var country: String
    public var latitude: Double
    public var longitude: Double
    public var population: Int

    public init(
        geonameId: Int64, name: String, adminRegion: String?, countryCode: String, country: String, latitude: Double,
        longitude: Double, population: Int
    ) {
        self.geonameId = geonameId
        self.name = name
        self.adminRegion = adminRegion
        self.countryCode = countryCode
        self.country = country
        self.latitude = latitude
        self.longitude = longitude
        self.population = population
    }
}
