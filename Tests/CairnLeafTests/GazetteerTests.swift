import CairnEXIF
import CairnPlaces
import CairnTesting
import Foundation
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
                if let place = Self.gazetteer.place(latitude: lat, longitude: lon, maxCityDistanceKm: 25),
                    place.city != nil
                {
                    #expect((place.distanceKm ?? 99) <= 25)
                }
            }
        }
    }
}

@Suite struct KnownPlacesTests {
    @Test(arguments: [
        ("Eiffel Tower", 48.85837, 2.29448, "Paris", "France"),
        ("Berlin Cathedral", 52.5191, 13.401, "Berlin", "Germany"),
        ("Colosseum", 41.8902, 12.4922, "Rome", "Italy"),
        ("Golden Gate Bridge", 37.8199, -122.4783, "San Francisco", "United States of America"),
    ])
    func landmarksAreNamedByTheirCity(_ name: String, _ lat: Double, _ lon: Double, _ city: String, _ country: String) {
        let place = GazetteerTests.gazetteer.place(latitude: lat, longitude: lon, maxCityDistanceKm: 30)
        #expect(place?.city == city, "\(name)")
        #expect(place?.country == country, "\(name)")
    }

    @Test func openSfMLundStreetPhotosAreInLund() throws {
        let folder = TestPaths.data("exif/mapillary__OpenSfM/data/lund/images")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") }
        #expect(files.count >= 29)
        for file in files {
            let facts = try ExifReader.read(path: folder.appendingPathComponent(file).path)
            let place = GazetteerTests.gazetteer.place(
                latitude: try #require(facts.latitude), longitude: try #require(facts.longitude), maxCityDistanceKm: 30)
            #expect(place?.city == "Lund", "\(file)")
            #expect(place?.countryCode == "SE")
        }
    }
}

@Suite struct GeoNamesDumpTests {
    @Test func readsPopulatedPlacesWithRegionsAndSkipsMalformedLines() throws {
        let folder = TemporaryDirectory()
        let dump = try folder.write(Array(GeoNamesSample.cities.utf8), to: "cities500.txt")
        let admin1 = try folder.write(Array(GeoNamesSample.admin1.utf8), to: "admin1CodesASCII.txt")
        let result = try GeoNamesDump.read(
            path: dump, countryNames: GazetteerTests.gazetteer.countryNames,
            admin1Names: try GeoNamesDump.readAdmin1Names(path: admin1))
        #expect(result.cities.map(\.city.name) == ["Amesbury", "Salisbury"])
        #expect(result.skippedLines == 2)
        #expect(result.cities[0].city.adminRegion == "England")
        #expect(result.cities[0].city.country == "United Kingdom")
        #expect(result.version.hasPrefix("geonames:cities500.txt:"))

        // Stonehenge is 3 km from Amesbury: the finer gazetteer names it, the built-in one says Salisbury.
        let fine = Gazetteer(cities: result.cities.map(\.city), version: result.version)
        #expect(fine.place(latitude: 51.17828, longitude: -1.82664, maxCityDistanceKm: 30)?.city == "Amesbury")
        #expect(
            GazetteerTests.gazetteer.place(latitude: 51.17828, longitude: -1.82664, maxCityDistanceKm: 30)?.city
                == "Salisbury")
    }

    /// Found by fuzzing (fuzz/regressions/geonames/crlf-line-ends.txt): "\r\n" is one Character in Swift, so a file
    /// with CRLF line ends, split into lines as text on "\n", came out as one long line: a dump gave its first city,
    /// an admin1 file its first region.
    @Test func aFileWithCRLFLineEndsReadsAsWithLF() throws {
        let folder = TemporaryDirectory()
        let crlf = { (text: String) in Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }
        let dump = try folder.write(crlf(GeoNamesSample.cities), to: "cities500.txt")
        let admin1 = try folder.write(crlf(GeoNamesSample.admin1), to: "admin1CodesASCII.txt")
        let regions = try GeoNamesDump.readAdmin1Names(path: admin1)
        #expect(regions == ["GB.ENG": "England", "GB.SCT": "Scotland"])
        let result = try GeoNamesDump.read(path: dump, countryNames: [:], admin1Names: regions)
        #expect(result.cities.map(\.city.name) == ["Amesbury", "Salisbury"])
        #expect(result.cities.map(\.city.population) == [10116, 41820])
        #expect(result.cities.map(\.city.adminRegion) == ["England", "England"])
        #expect(result.skippedLines == 2)
    }

    @Test func aFileWithoutPlacesIsRefused() throws {
        let folder = TemporaryDirectory()
        let path = try folder.write(Array("just some text\nnot geonames\n".utf8), to: "notes.txt")
        #expect(throws: PlacesError.self) {
            try GeoNamesDump.read(path: path, countryNames: [:])
        }
    }
}
