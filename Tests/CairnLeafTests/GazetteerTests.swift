import CairnPlaces
import CairnTesting
import Testing

@Suite struct GazetteerTests {
    static let gazetteer = Gazetteer.libgeonames()

    @Test func debianGazetteerHasItsCities() {
        #expect(Self.gazetteer.cities.count > 20_000)
        #expect(Self.gazetteer.version.hasPrefix("libgeonames/"))
    }

    @Test(arguments: ["colosseum", "brandenburg_gate", "cologne_cathedral", "taj_mahal", "forbidden_city"])
    func landmarkCoordinatesFallInTheirCity(_ key: String) throws {
        let landmark = try #require(try LibraryFixture.landmarks()[key])
        let place = try #require(
            Self.gazetteer.place(latitude: landmark.latitude, longitude: landmark.longitude, maxCityDistanceKm: 30))
        #expect(place.city == landmark.city)
        #expect(place.country == landmark.country)
        #expect((place.distanceKm ?? 99) < 30)
    }

    @Test func farFromAnyCityGivesCountryOnlyOrNothing() {
        // Furnace Creek, Death Valley: no city of 15,000 within 30 km, but in the United States.
        let desert = Self.gazetteer.place(latitude: 36.4483, longitude: -116.855, maxCityDistanceKm: 30)
        #expect(desert?.city == nil)
        #expect(desert?.countryCode == "US")
        // Mid-Atlantic.
        #expect(Self.gazetteer.place(latitude: 30, longitude: -40, maxCityDistanceKm: 30) == nil)
    }

    @Test func neverNamesACityBeyondTheLimit() {
        for lat in stride(from: -60.0, through: 70, by: 7.3) {
            for lon in stride(from: -180.0, through: 180, by: 11.7) {
                if let place = Self.gazetteer.place(latitude: lat, longitude: lon, maxCityDistanceKm: 25), place.city != nil {
                    #expect((place.distanceKm ?? 99) <= 25)
                }
            }
        }
    }
}
