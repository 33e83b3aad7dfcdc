import CGeonames
import Foundation

/// A city of the gazetteer.
public struct City: Sendable, Equatable {
    public var name: String
    public var adminRegion: String?
    public var country: String
    public var countryCode: String
    public var latitude: Double
    public var longitude: Double
    public var population: Int

    public init(
        name: String, adminRegion: String?, country: String, countryCode: String, latitude: Double, longitude: Double,
        population: Int
    ) {
        self.name = name
        self.adminRegion = adminRegion
        self.country = country
        self.countryCode = countryCode
        self.latitude = latitude
        self.longitude = longitude
        self.population = population
    }
}

/// The result of reverse geocoding one position.
public struct Place: Sendable, Equatable {
    public var city: String?
    public var adminRegion: String?
    public var country: String?
    public var countryCode: String?
    /// Distance to the city that named it, in kilometres.
    public var distanceKm: Double?
}

/// Offline reverse geocoding over a list of cities, with a grid index so a lookup touches only nearby cells.
public struct Gazetteer: Sendable {
    /// Identifies the city list, stored with every place so a new gazetteer can re-run.
    public let version: String
    public let cities: [City]
    private let index: GridIndex

    public init(cities: [City], version: String) {
        self.cities = cities
        self.version = version
        self.index = GridIndex(points: cities.map { ($0.latitude, $0.longitude) })
    }

    /// Debian's libgeonames: GeoNames' cities of 15,000+ people, compiled into the library.
    public static func libgeonames() -> Gazetteer {
        let count = Int(geonames_get_n_cities())
        var cities: [City] = []
        cities.reserveCapacity(count)
        for i in 0..<count {
            guard let city = geonames_get_city(Int32(i)) else { continue }
            defer { geonames_city_free(city) }
            let state = String(cString: geonames_city_get_state(city))
            cities.append(City(
                name: String(cString: geonames_city_get_name(city)),
                adminRegion: state.isEmpty ? nil : state,
                country: String(cString: geonames_city_get_country(city)),
                countryCode: String(cString: geonames_city_get_country_code(city)),
                latitude: geonames_city_get_latitude(city),
                longitude: geonames_city_get_longitude(city),
                population: Int(geonames_city_get_population(city))))
        }
        return Gazetteer(cities: cities, version: "libgeonames/\(count)")
    }

    /// The city a position belongs to, among those within `maxCityDistanceKm`: the one nearest relative to its
    /// size, so a point 4 km from the centre of Paris is Paris, not the suburb whose centre is 3.6 km away. Else,
    /// when a city lies within `countryDistanceKm`, only that city's country; else nil. Never names a city
    /// farther than `maxCityDistanceKm`.
    public func place(
        latitude: Double, longitude: Double, maxCityDistanceKm: Double, countryDistanceKm: Double = 150
    ) -> Place? {
        let candidates = index.within(latitude: latitude, longitude: longitude, radiusKm: maxCityDistanceKm)
        if let (i, distance) = candidates.min(by: { score($0) < score($1) }) {
            let city = cities[i]
            return Place(
                city: city.name, adminRegion: city.adminRegion, country: city.country,
                countryCode: city.countryCode, distanceKm: distance)
        }
        guard let (i, _) = index.nearest(latitude: latitude, longitude: longitude, withinKm: countryDistanceKm) else {
            return nil
        }
        let city = cities[i]
        return Place(city: nil, adminRegion: nil, country: city.country, countryCode: city.countryCode, distanceKm: nil)
    }

    /// Distance in units of the city's reach: a city of P people is taken to reach 0.5 + 0.005·√P km
    /// (7.7 km for Paris' 2.1 million, 2 km for Lund's 90,000, 0.6 km for a village of 500).
    private func score(_ candidate: (Int, Double)) -> Double {
        candidate.1 / (0.5 + 0.005 * Double(cities[candidate.0].population).squareRoot())
    }
}
